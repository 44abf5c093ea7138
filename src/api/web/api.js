/**
 * @module web/api
 * The page's access to fsevd's REST API: the token (typed into the page, kept in sessionStorage
 * so it dies with the tab, sent only as an Authorization header, never in a URL) and fetch
 * helpers that turn error answers ({statusCode, code, error, message}) into ApiError.
 */

const TOKEN_KEY = 'fsevd.token';

/** An error answer of the API (or a network failure, status 0). */
export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The token of this tab, or '' without one. */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** Keeps (or with '' forgets) the token of this tab. */
export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Headers for a request: the token as a bearer credential, when there is one. */
function headers(extra = {}) {
  const value = token();
  return value ? { ...extra, authorization: `Bearer ${value}` } : extra;
}

/** Sends a request; resolves to the Response when it is OK, rejects with ApiError otherwise. */
export async function request(path, init = {}) {
  let response;
  try {
    response = await fetch(path, { ...init, headers: headers(init.headers), cache: 'no-store', credentials: 'omit' });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', `fsevd does not answer (${err.message})`);
  }
  if (response.ok) return response;
  const body = await response.json().catch(() => ({}));
  throw new ApiError(response.status, String(body.code ?? 'HTTP'), String(body.message ?? `${response.status} ${response.statusText}`));
}

/** GETs a JSON document. */
export async function getJson(path) {
  return (await request(path)).json();
}
