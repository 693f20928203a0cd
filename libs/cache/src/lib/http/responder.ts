import type { CachedHttpResponse, HttpCacheStatus } from './cached-response';
import { etagMatches } from './etag';
import type { HttpCacheRequest } from './http-cache-options';
import type { HttpCachePlan } from './http-cache-plan';

/** The response surface Express's `Response` and Fastify's `Reply` share (one of each setter suffices). */
export interface HttpResponseLike {
  statusCode: number;
  status?(code: number): unknown;
  code?(code: number): unknown;
  setHeader?(name: string, value: string): unknown;
  header?(name: string, value: string): unknown;
  getHeader?(name: string): unknown;
}

/** How one cached (or just stored) response is answered. */
export interface CachedAnswer {
  readonly plan: HttpCachePlan;
  readonly entry: CachedHttpResponse;
  readonly status: HttpCacheStatus;
  /** `X-Cache-Layer` of a hit; left out on a miss. */
  readonly layer: 'l1' | 'l2';
  /** Whether to send `X-Cache` / `X-Cache-Layer`. */
  readonly statusHeaders: boolean;
}

/**
 * Writes the headers of a cached answer (stored headers, `ETag`, `Cache-Control`, `Surrogate-Key`, `Vary`,
 * `X-Cache`) and returns the body to send, or `undefined` with a 304 when `If-None-Match` matches.
 */
export function writeCachedAnswer(
  request: HttpCacheRequest,
  response: HttpResponseLike,
  answer: CachedAnswer,
): string | undefined {
  const { plan, entry, status } = answer;
  for (const [name, value] of Object.entries(entry.h)) setHeader(response, name, value);
  setHeader(response, 'ETag', entry.e);
  setHeader(response, 'Cache-Control', plan.cacheControl);
  if (plan.surrogateKeyHeader !== undefined) setHeader(response, 'Surrogate-Key', plan.surrogateKeyHeader);
  if (plan.varyHeader !== undefined) {
    const existing = response.getHeader?.('vary');
    setHeader(response, 'Vary', existing === undefined ? plan.varyHeader : mergeVary(existing, plan.vary));
  }
  if (answer.statusHeaders) {
    setHeader(response, 'X-Cache', status);
    if (status !== 'MISS') setHeader(response, 'X-Cache-Layer', answer.layer);
  }
  if (etagMatches(request.headers['if-none-match'], entry.e)) {
    setStatus(response, 304);
    return undefined;
  }
  if (response.statusCode !== entry.s) setStatus(response, entry.s);
  return entry.b;
}

function mergeVary(existing: unknown, names: readonly string[]): string {
  const current =
    typeof existing === 'string' && existing !== '' ? existing.split(',').map((s) => s.trim()) : [];
  const lower = new Set(current.map((name) => name.toLowerCase()));
  return [...current, ...names.filter((name) => !lower.has(name))].join(', ');
}

function setHeader(response: HttpResponseLike, name: string, value: string): void {
  if (typeof response.setHeader === 'function') response.setHeader(name, value);
  else response.header?.(name, value);
}

function setStatus(response: HttpResponseLike, code: number): void {
  if (typeof response.status === 'function') response.status(code);
  else if (typeof response.code === 'function') response.code(code);
  else response.statusCode = code;
}
