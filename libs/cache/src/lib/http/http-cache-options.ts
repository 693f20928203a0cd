import type { Duration } from '../core/duration';

/** The parts of an HTTP request the caching interceptor reads (Express's `Request` satisfies it). */
export interface HttpCacheRequest {
  readonly method: string;
  readonly url: string;
  /** Express keeps the URL before mounting here; preferred over `url` when present. */
  readonly originalUrl?: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Route parameters (`/bids/:id` → `{ id }`), read by `key` and `tags` templates. */
  readonly params?: Readonly<Record<string, string | undefined>>;
  /** Set by an authentication guard or middleware; its `id`/`sub`/`userId` identifies the caller. */
  readonly user?: unknown;
  /** Fastify's Node request, where Nest middleware (which sees only the Node request) sets `user`. */
  readonly raw?: { readonly user?: unknown };
}

/** Reads one value from a request (an identity, a tenant), or `undefined` when there is none. */
export type RequestValueExtractor = (request: HttpCacheRequest) => string | undefined;

/** Time to live of a cached response per layer. */
export interface HttpCacheTtl {
  /** In-process (L1). */
  readonly l1?: Duration;
  /** Redis (L2); also the response's logical lifetime in the app. */
  readonly l2?: Duration;
  /**
   * The edge (L3): `s-maxage` of public responses. Absent or `false`: the edge must not store the response
   * (`no-cache`); authenticated responses never get one.
   */
  readonly l3?: Duration | false;
}

/**
 * What the cache key varies by, so that one caller's response is never served to another. Route settings
 * are merged over the module's: `headers` are added, `user` and `tenant` replaced.
 */
export interface HttpCacheVary {
  /**
   * Per user. `'auto'` (default): the key carries the caller's identity whenever the request has one (see
   * `HttpCacheOptions.user`), and such responses are `private`. `true`: always (anonymous callers share
   * one entry). `false`: never — only for routes whose answer is the same for every caller.
   */
  readonly user?: boolean | 'auto';
  /** Request headers whose values are part of the key and are listed in `Vary`, e.g. `['accept-language']`. */
  readonly headers?: readonly string[];
  /** The tenant: a request header (also listed in `Vary`), or a function of the request. */
  readonly tenant?: string | RequestValueExtractor;
}

/** How query strings are normalized into the key. */
export interface HttpCacheQueryOptions {
  /**
   * Parameters left out of the key (tracking parameters that do not change the answer). Strings match a name
   * exactly (case-insensitive), regular expressions test it. Default: `utm_*`, `fbclid`, `gclid`, `msclkid`,
   * `mc_cid`, `mc_eid`, `_ga`.
   */
  readonly ignore?: readonly (string | RegExp)[];
}

/** `Cache-Control` settings for the L3 edge. */
export interface HttpCacheEdgeOptions {
  /** `stale-while-revalidate` of public responses. Default: the L3 TTL. `false` leaves it out. */
  readonly staleWhileRevalidate?: Duration | false;
  /** `stale-if-error` of public responses. Default: the L2 TTL (at least the L3 TTL). `false` leaves it out. */
  readonly staleIfError?: Duration | false;
  /**
   * `max-age` for browsers on public responses. Default 0: browsers revalidate with `If-None-Match` (cheap:
   * 304 without running the handler), since a browser cannot be purged.
   */
  readonly browserMaxAge?: Duration;
}

/** Options of the HTTP caching interceptor (`CacheModule.forRoot({ http })`, token `HTTP_CACHE_OPTIONS`). */
export interface HttpCacheOptions {
  /**
   * Which routes are cached: `'decorated'` (default) only those with `@CacheRoute()`; `'all'` every route
   * the interceptor applies to (as `@nestjs/cache-manager` does) except `@NoCache()` ones.
   */
  readonly routes?: 'decorated' | 'all';
  /** Cached request methods. Default `['GET', 'HEAD']` (a HEAD shares the GET's entry). */
  readonly methods?: readonly string[];
  /** Cached response statuses. Default `[200]`. */
  readonly statuses?: readonly number[];
  /** Engine namespace of the stored responses. Default `'http'`. */
  readonly namespace?: string;
  /**
   * Default TTLs of routes that give none (and whose key's namespace configures none).
   * Default `{ l1: '10s', l2: '1m' }`, no L3.
   */
  readonly ttl?: HttpCacheTtl;
  /** Default vary settings. Default `{ user: 'auto' }`. */
  readonly vary?: HttpCacheVary;
  /**
   * The caller's identity for per-user vary. Default: `request.user.id` (or `sub`, `userId`, else the whole
   * `request.user`), else the `Authorization` header. Only a hash of it enters the key.
   */
  readonly user?: RequestValueExtractor;
  /**
   * Request headers from which the app (a guard, or middleware that sets `request.user`) may identify a
   * caller, lower case. Every response of a route that is not `public: true` names them in `Vary`, so a
   * shared edge never answers a request carrying one with the copy it stored for a request without it (the
   * anonymous copy). Default `['authorization', 'cookie', 'x-api-key']`; add the header your own
   * middleware reads. A request identified without any of them is logged (once per route): the edge
   * cannot tell it from an anonymous one.
   */
  readonly identityHeaders?: readonly string[];
  /** Query-string normalization. */
  readonly query?: HttpCacheQueryOptions;
  /**
   * Response headers stored with the body and replayed on hits (lower case).
   * Default `['content-type', 'content-language', 'content-disposition', 'link']`.
   */
  readonly storeHeaders?: readonly string[];
  /** `Cache-Control` for the edge. */
  readonly edge?: HttpCacheEdgeOptions;
  /** Send `X-Cache` / `X-Cache-Layer`. Default `true`. */
  readonly cacheStatusHeaders?: boolean;
}

/** Options of `@CacheRoute()`. */
export interface CacheRouteOptions {
  /**
   * The route's cache key, a template over route parameters, then query parameters: `'bid:{id}'`. It is
   * also a tag and a surrogate key, so `CacheInvalidator.invalidateTags(['bid:42'])` drops this response in
   * every layer. Default: the request path. The normalized query and the vary parts are always appended.
   */
  readonly key?: string;
  /**
   * TTLs; a single duration is the L2 TTL (L1 capped by it). Default: the key's namespace TTLs
   * (`forFeature({ namespace, ttl: { l1, l2, l3 } })`), then the module's `http.ttl`.
   */
  readonly ttl?: Duration | HttpCacheTtl;
  /**
   * TTLs that depend on the request, layered over `ttl` (a layer it leaves out falls back as usual); `undefined`
   * keeps the route's. For answers whose lifetime is known from the request: e.g. an hour that is still open
   * gets a short TTL in every layer (and a short `s-maxage`), a closed hour the long one. Called on every
   * request of the route, before validation pipes (so it must accept any parameter value); keep its results
   * coarse (whole seconds), since plans are memoized per distinct result.
   */
  readonly ttlFor?: (request: HttpCacheRequest) => HttpCacheTtl | undefined;
  /** Tags (templates like `key`), e.g. `['buyer:{buyerId}']`; also sent as surrogate keys. */
  readonly tags?: readonly string[];
  /** What the key varies by, merged over the module's `vary`. */
  readonly vary?: HttpCacheVary;
  /**
   * `false`: always `private` (never at the edge). `true`: the answer is the same for every caller — the key
   * does not vary by user (whatever `vary.user` says) and the response is `public` even for authenticated
   * requests. Default: public unless the request carries an identity.
   */
  readonly public?: boolean;
  /** In-app stale-while-revalidate (the engine's soft TTL). */
  readonly swr?: Duration | false;
  /** In-app grace: serve the last response this long past its TTL when the handler fails. */
  readonly grace?: Duration | false;
  /** Overrides the module's `edge` settings. */
  readonly edge?: HttpCacheEdgeOptions;
  /** Cached response statuses; default the module's. */
  readonly statuses?: readonly number[];
}
