// The service calls the page makes. Every failure to reach the service (no connection, a timeout, a 5xx) becomes
// one ServiceError, so the page has a single place that decides to show the unreachable state; a refusal (4xx)
// becomes a RefusedError carrying the problem+json detail, shown where the user acted.

const TIMEOUT_MS = 5000;
const TOKEN_KEY = 'recurrent.token';

export class ServiceError extends Error {}

/** The service answered and said no: status and the problem's detail (and field). */
export class RefusedError extends Error {
  constructor(status, detail, field) {
    super(detail);
    this.status = status;
    this.field = field;
  }
}

// The token lives in this tab's sessionStorage only: never in the URL (it would land in history and logs) and
// never in a cookie (the browser would send it by itself, to any request, forged ones included).
export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

async function call(method, path, { body, contentType, auth = false, timeout = TIMEOUT_MS } = {}) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeout);
  const headers = {};
  if (contentType) headers['Content-Type'] = contentType;
  if (auth && token.get()) headers.Authorization = `Bearer ${token.get()}`;
  try {
    const response = await fetch(path, { method, body, headers, signal: abort.signal, cache: 'no-store' });
    if (response.status >= 400 && response.status < 500) {
      const problem = await response.json().catch(() => ({}));
      throw new RefusedError(response.status, problem.detail ?? `${method} ${path} answered ${response.status}`, problem.field);
    }
    if (!response.ok) throw new ServiceError(`${method} ${path} answered ${response.status} ${response.statusText}`);
    return await response.json();
  } catch (e) {
    if (e instanceof ServiceError || e instanceof RefusedError) throw e;
    const why = e.name === 'AbortError' ? `no answer within ${timeout / 1000} s` : e.message;
    throw new ServiceError(`${method} ${path} failed: ${why}`);
  } finally {
    clearTimeout(timer);
  }
}

export const getJson = (path) => call('GET', path);

/** /healthz's body whatever its status: a degraded service answers 503 with the reason in `store`. */
export async function getHealth() {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  try {
    const response = await fetch('/healthz', { signal: abort.signal, cache: 'no-store' });
    return await response.json();
  } finally {
    clearTimeout(timer);
  }
}
export const listRuns = () => getJson('/api/runs');
export const listDatasets = () => getJson('/api/datasets');
export const getRun = (id) => getJson(`/api/runs/${id}`);
export const getEvents = (id) => getJson(`/api/runs/${id}/events`);

/**
 * A page of gradient steps. The default (no order) is the newest `limit` after `since`, oldest first: what a
 * poller wants. `every` thins a long run to every k-th step for the compare view.
 */
export function getGradients(id, since, limit, { order, every } = {}) {
  const query = new URLSearchParams({ since: String(since), limit: String(limit) });
  if (order) query.set('order', order);
  if (every && every > 1) query.set('every', String(every));
  return getJson(`/api/runs/${id}/gradients?${query}`);
}

export const startRun = (request) => call('POST', '/api/runs', { body: JSON.stringify(request), contentType: 'application/json', auth: true });
export const cancelRun = (id) => call('POST', `/api/runs/${id}/cancel`, { auth: true });
export const uploadDataset = (file) => call('POST', `/api/datasets?name=${encodeURIComponent(file.name)}`,
  { body: file, contentType: 'application/octet-stream', auth: true, timeout: 60000 });
