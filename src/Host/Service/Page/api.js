// The few reads the page makes. Every failure (no connection, a timeout, a non-2xx answer) becomes one
// ServiceError, so the page has a single place that decides to show the unreachable state.

const TIMEOUT_MS = 5000;

export class ServiceError extends Error {}

export async function getJson(path) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(path, { signal: abort.signal, cache: 'no-store' });
    if (!response.ok) throw new ServiceError(`GET ${path} answered ${response.status} ${response.statusText}`);
    return await response.json();
  } catch (e) {
    if (e instanceof ServiceError) throw e;
    const why = e.name === 'AbortError' ? `no answer within ${TIMEOUT_MS / 1000} s` : e.message;
    throw new ServiceError(`GET ${path} failed: ${why}`);
  } finally {
    clearTimeout(timer);
  }
}

export const listRuns = () => getJson('/api/runs');
export const getRun = (id) => getJson(`/api/runs/${id}`);
// `since` makes each poll carry only the steps the page has not seen; `limit` bounds the first, catch-up read.
export const getGradients = (id, since, limit) => getJson(`/api/runs/${id}/gradients?since=${since}&limit=${limit}`);
