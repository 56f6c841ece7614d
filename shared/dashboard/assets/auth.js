// Sign-in for the deployed dashboard: Cognito's hosted UI with the
// authorization code grant and PKCE (RFC 7636). Tokens stay in this tab's
// sessionStorage; the page never sees a password.

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
    if (params.has('error')) {
      throw new Error(`Sign-in failed: ${params.get('error_description') || params.get('error')}`);
    }
    if (params.has('code')) {
      await this.exchange(params.get('code'), params.get('state'));
      history.replaceState(null, '', redirectUri() + location.hash);
      return true;
    }
    if (this.current()) return true;
    await this.signIn();
    return false;
  }

  current() {
    const s = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    return s && s.expires_at > Date.now() + 30_000 ? s : null;
  }

  async token() {
    const s = this.current();
    if (!s) {
      await this.signIn();
      throw new Error('signing in');
    }
    return s.id_token;
  }

  /** expired forgets the tokens after the API refused them. */
  expired() {
    sessionStorage.removeItem(KEY);
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

  async exchange(code, state) {
    const pkce = JSON.parse(sessionStorage.getItem(KEY + '.pkce') || 'null');
    sessionStorage.removeItem(KEY + '.pkce');
    if (!pkce || pkce.state !== state) throw new Error('Sign-in failed: the answer does not match the request (state); sign in again.');
    const res = await fetch(this.auth.domain + '/oauth2/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', client_id: this.auth.client_id, code, redirect_uri: redirectUri(), code_verifier: pkce.verifier,
      }),
    });
    if (!res.ok) throw new Error(`Sign-in failed: the token endpoint answered ${res.status}.`);
    const t = await res.json();
    sessionStorage.setItem(KEY, JSON.stringify({ id_token: t.id_token, expires_at: Date.now() + t.expires_in * 1000 }));
    if (pkce.hash) location.hash = pkce.hash;
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
    const s = this.current();
    if (!s) return '';
    try {
      const claims = JSON.parse(atob(s.id_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      return claims.email || claims['cognito:username'] || '';
    } catch {
      return '';
    }
  }
}
