// Sign-in for the deployed dashboard: Cognito's hosted UI with the
// authorization code grant and PKCE (RFC 7636). Tokens stay in this tab's
// sessionStorage; the page never sees a password. An expired ID token is
// renewed with the refresh token, without leaving the page.

const KEY = 'cloudscope.auth';

const b64url = bytes => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = n => b64url(crypto.getRandomValues(new Uint8Array(n)));

/** redirectUri is where Cognito sends the browser back: the page itself. */
const redirectUri = () => location.origin + '/';

/** Session signs in and hands out the ID token for the API's JWT authorizer. */
export class Session {
  constructor(auth) {
    this.auth = auth; // {domain, client_id, scopes}
  }

  /** start finishes a sign-in in progress, or begins one; true when signed in. */
  async start() {
    const params = new URLSearchParams(location.search);
    if (params.has('code') || params.has('error')) {
      const pkce = JSON.parse(sessionStorage.getItem(KEY + '.pkce') || 'null');
      sessionStorage.removeItem(KEY + '.pkce');
      // Off the address bar first: a reload must not replay a used code.
      history.replaceState(null, '', redirectUri() + (pkce?.hash || location.hash));
      if (params.has('error')) throw this.failed(params.get('error_description') || params.get('error'));
      if (!pkce || pkce.state !== params.get('state')) throw this.failed('the answer does not match the request (state)');
      await this.exchange(params.get('code'), pkce.verifier);
      return true;
    }
    if (this.current() || (this.stored()?.refresh_token && await this.refresh())) return true;
    await this.signIn();
    return false;
  }

  /** failed is a sign-in error with a way to try again. */
  failed(why) {
    return Object.assign(new Error(`Sign-in failed: ${why}.`), { title: 'Not signed in.', retry: () => this.signIn() });
  }

  stored() {
    return JSON.parse(sessionStorage.getItem(KEY) || 'null');
  }

  current() {
    const s = this.stored();
    return s && s.id_token && s.expires_at > Date.now() + 30_000 ? s : null;
  }

  /** token is a valid ID token: the current one, a refreshed one, or none
   * (then the page goes to sign in). */
  async token() {
    const s = this.current() || (this.stored()?.refresh_token && await this.refresh());
    if (s) return s.id_token;
    await this.signIn();
    throw new Error('signing in');
  }

  /** expired forgets the ID token after the API refused it (the refresh token stays). */
  expired() {
    const s = this.stored();
    if (s) sessionStorage.setItem(KEY, JSON.stringify({ refresh_token: s.refresh_token }));
  }

  async signIn() {
    const verifier = random(48);
    const state = random(16);
    sessionStorage.setItem(KEY + '.pkce', JSON.stringify({ verifier, state, hash: location.hash }));
    const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    const url = new URL(this.auth.domain + '/oauth2/authorize');
    url.search = new URLSearchParams({
      response_type: 'code', client_id: this.auth.client_id, redirect_uri: redirectUri(),
      scope: (this.auth.scopes || ['openid']).join(' '), state, code_challenge: challenge, code_challenge_method: 'S256',
    });
    location.assign(url);
  }

  async exchange(code, verifier) {
    const t = await this.tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(), code_verifier: verifier });
    if (!t) throw this.failed('the sign-in service did not accept the code');
    this.keep(t, t.refresh_token);
  }

  /** refresh renews the ID token with the refresh token; null when it cannot. */
  async refresh() {
    const refreshToken = this.stored()?.refresh_token;
    const t = refreshToken && await this.tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
    if (!t) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return this.keep(t, refreshToken); // Cognito keeps the refresh token it had
  }

  async tokenRequest(form) {
    try {
      const res = await fetch(this.auth.domain + '/oauth2/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: this.auth.client_id, ...form }),
      });
      return res.ok ? await res.json() : null;
    } catch {
      return null;
    }
  }

  keep(t, refreshToken) {
    const s = { id_token: t.id_token, refresh_token: refreshToken, expires_at: Date.now() + t.expires_in * 1000 };
    sessionStorage.setItem(KEY, JSON.stringify(s));
    return s;
  }

  /** signOut ends the Cognito session too. */
  signOut() {
    sessionStorage.removeItem(KEY);
    const url = new URL(this.auth.domain + '/logout');
    url.search = new URLSearchParams({ client_id: this.auth.client_id, logout_uri: redirectUri() });
    location.assign(url);
  }

  /** who is the signed-in user's e-mail, from the ID token's claims. */
  who() {
    const s = this.stored();
    if (!s?.id_token) return '';
    try {
      const bytes = Uint8Array.from(atob(s.id_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')), c => c.charCodeAt(0));
      const claims = JSON.parse(new TextDecoder().decode(bytes));
      return claims.email || claims['cognito:username'] || '';
    } catch {
      return '';
    }
  }
}
