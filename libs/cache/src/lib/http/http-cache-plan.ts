import type { HttpCacheEdgeOptions } from './http-cache-options';

/** Everything the HTTP cache decided about one request. */
export interface HttpCachePlan {
  /** The cache key (without the HTTP namespace). */
  readonly key: string;
  /** The route's rendered `key`, if it has one (also a tag and a surrogate key). */
  readonly routeKey: string | undefined;
  /** Tags of the stored entry (rendered route key and tags). */
  readonly tags: readonly string[];
  /** Surrogate keys for the edge. */
  readonly surrogateKeys: readonly string[];
  /** Whether the response is private (authenticated, or the route says so). */
  readonly private: boolean;
  /** Request headers the response varies by (the `Vary` header). */
  readonly vary: readonly string[];
  /** TTLs and policy in ms. */
  readonly ttl: ResolvedRouteTtl;
  /** Statuses that are stored. */
  readonly statuses: ReadonlySet<number>;
  /** Edge settings. */
  readonly edge: HttpCacheEdgeOptions;
  /** The `Cache-Control` header. */
  readonly cacheControl: string;
  /** The `Surrogate-Key` header, on public responses the edge may keep. */
  readonly surrogateKeyHeader: string | undefined;
  /** The `Vary` header. */
  readonly varyHeader: string | undefined;
}

/** A route's TTLs in milliseconds. */
export interface ResolvedRouteTtl {
  readonly l1Ms: number;
  readonly l2Ms: number;
  readonly l3Ms: number;
  readonly softMs: number;
  readonly graceMs: number;
}
