// The API client: the response envelope, errors turned into messages a
// person understands, and the bearer token when the page signs in (deployed).

let base = '';
let tokenSource = null;

/** configure sets the API's base URL ('' = this origin) and, deployed, where tokens come from. */
export function configure(apiBase, tokens) {
  base = (apiBase || '').replace(/\/$/, '');
  tokenSource = tokens || null;
}

/** ApiError is an API or network failure, with a title and message for people. */
export class ApiError extends Error {
  constructor(title, message, { code = '', status = 0, hint = '' } = {}) {
    super(message);
    this.title = title;
    this.code = code;
    this.status = status;
    this.hint = hint;
  }
}

const titles = {
  invalid_parameter: 'That request was not valid.',
  forbidden: 'Not allowed.',
  not_found: 'Not found.',
  busy: 'cloudscope is busy.',
  upstream_access_denied: 'AWS refused access.',
  upstream_throttled: 'AWS is throttling requests.',
  upstream_unavailable: 'AWS is unavailable.',
  upstream_timeout: 'AWS took too long to answer.',
  upstream_error: 'AWS answered with an error.',
  credentials_missing: 'No AWS credentials.',
  internal: 'cloudscope failed.',
};
const hints = {
  busy: 'Try again in a moment.',
  upstream_access_denied: 'The credentials cloudscope runs with lack a permission; the README lists the IAM policy it needs.',
  upstream_throttled: 'Wait a minute and try again.',
  upstream_unavailable: 'Wait a minute and try again.',
  upstream_timeout: 'Try a smaller selection (fewer regions or types, or a shorter window), or try again.',
  credentials_missing: 'Sign in where cloudscope runs, then reload this page: the server checks again every 30 seconds.',
  internal: 'The server log has the details.',
};

const gatewayCodes = { 403: 'forbidden', 404: 'not_found', 429: 'busy', 502: 'upstream_error', 503: 'upstream_unavailable', 504: 'upstream_timeout' };

/** request calls a route and returns its data, or throws an ApiError. */
export async function request(path, { method = 'GET', params } = {}) {
  const url = new URL(base + path, location.href);
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    url.searchParams.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const headers = { Accept: 'application/json' };
  if (tokenSource) headers.Authorization = 'Bearer ' + (await tokenSource.token());
  let res;
  try {
    res = await fetch(url, { method, headers });
  } catch (e) {
    throw new ApiError('Could not reach cloudscope.', 'The API did not answer; check that the server is running.', { hint: String(e.message || e) });
  }
  if (res.status === 401 && tokenSource) {
    tokenSource.expired(); // the next request refreshes the token, or signs in again
    throw new ApiError('Signed out.', 'Your session ended; reload the page to sign in again.', { status: 401 });
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: a proxy's or the gateway's own page
  }
  if (body && typeof body.success === 'boolean') {
    if (body.success) return body.data;
    const e = body.error || {};
    throw new ApiError(titles[e.code] || `Error ${res.status}.`, e.message || 'No details.', { code: e.code, status: res.status, hint: hintOf(e.code, res) });
  }
  // API Gateway answers some failures itself, as {"message": ...}.
  const code = gatewayCodes[res.status] || 'upstream_error';
  throw new ApiError(titles[code], `The API answered ${res.status}${body?.message ? `: ${body.message}` : ''}.`, { code, status: res.status, hint: hintOf(code, res) });
}

/** hintOf is what to do about an error; a 429 says when to try again (its Retry-After). */
function hintOf(code, res) {
  const wait = Number(res.headers.get('Retry-After'));
  if (res.status === 429 && wait > 0) return `Try again in ${wait} s.`;
  return hints[code];
}
