/** What a `Cache-Control` response header is built from (durations in milliseconds). */
export interface CacheControlInput {
  /** Authenticated, or declared private: only the caller's browser may keep it, and must revalidate. */
  readonly private: boolean;
  /** L3 (edge) TTL: `s-maxage`; 0 means the edge must not store the response. */
  readonly l3Ms: number;
  /** `max-age` for browsers on public responses; 0 makes them revalidate every time. */
  readonly browserMaxAgeMs: number;
  /** `stale-while-revalidate`; 0 leaves it out. */
  readonly staleWhileRevalidateMs: number;
  /** `stale-if-error`; 0 leaves it out. */
  readonly staleIfErrorMs: number;
}

const seconds = (ms: number) => Math.max(0, Math.floor(ms / 1000));

/**
 * Builds the `Cache-Control` of a cached route's response:
 *
 * - private (authenticated): `private, no-cache` — browsers may keep it but revalidate (a cheap 304 with the
 *   ETag), shared caches never store it;
 * - public with an L3 TTL: `public, max-age=<browser>, s-maxage=<L3>[, stale-while-revalidate=…][, stale-if-error=…]`;
 * - public without an L3 TTL: `no-cache` (or `public, max-age=<browser>, s-maxage=0` when browsers may keep it).
 *
 * Every directive is in whole seconds; an L3 TTL under one second counts as none.
 */
export function buildCacheControl(input: CacheControlInput): string {
  if (input.private) return 'private, no-cache';
  const l3 = seconds(input.l3Ms);
  const browser = seconds(input.browserMaxAgeMs);
  if (l3 === 0) return browser === 0 ? 'no-cache' : `public, max-age=${browser}, s-maxage=0`;
  const directives = ['public', `max-age=${browser}`, `s-maxage=${l3}`];
  const swr = seconds(input.staleWhileRevalidateMs);
  if (swr > 0) directives.push(`stale-while-revalidate=${swr}`);
  const sie = seconds(input.staleIfErrorMs);
  if (sie > 0) directives.push(`stale-if-error=${sie}`);
  return directives.join(', ');
}
