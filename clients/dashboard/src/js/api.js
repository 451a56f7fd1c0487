// The JSON API at the same origin, with the bearer token of this tab.
// The token lives in sessionStorage only: never localStorage, cookies or
// the URL (hubd refuses a token in the query string anyway).

const TOKEN_KEY = 'hub.token';
const API_ROOT = '/v1/';

export function tokenGet() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function tokenSet(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function tokenClear() {
  sessionStorage.removeItem(TOKEN_KEY);
}

// A failed request: `status` is the HTTP status (0 when the network failed)
// and `detail` the problem+json detail, shown to the user as it is.
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
    this.detail = detail;
  }
}

// GET /v1/<path>?<params>; params with empty values are left out. Resolves
// to the parsed JSON; rejects with an ApiError.
export async function apiGet(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const qs = query.toString();
  const url = API_ROOT + path + (qs ? '?' + qs : '');
  const headers = { Accept: 'application/json' };
  const token = tokenGet();
  if (token) headers.Authorization = 'Bearer ' + token;

  let response;
  try {
    response = await fetch(url, { headers, cache: 'no-store', credentials: 'omit' });
  } catch (err) {
    throw new ApiError(0, 'The hub could not be reached (' + err.message + ').');
  }
  if (response.ok) return response.json();

  let detail = response.status + ' ' + response.statusText;
  try {
    const problem = await response.json();
    if (problem && typeof problem.detail === 'string') detail = problem.detail;
    else if (problem && typeof problem.title === 'string') detail = problem.title;
  } catch {
    // Not problem+json (e.g. a proxy's HTML page): the status line says enough.
  }
  throw new ApiError(response.status, detail);
}
