import type { Registry } from 'prom-client';
import type { CacheOptions, EntryPolicy, L2CommonOptions, L2Options } from '../../cache/cache.types';
import type { Duration } from '../../core/duration';
import type { MetricsSink } from '../../metrics/metrics-sink';
import type { RedisConnectionOptions } from '../../redis-connection';
import type { EdgePurger } from '../edge/edge-purger';
import type { HttpCacheOptions } from './http-cache-options.interface';

/** TTL of a namespace per layer, including the L3 edge (read by the HTTP layer for `s-maxage`). */
export type NamespaceTtl =
  EntryPolicy['ttl'] | { readonly l1?: Duration; readonly l2?: Duration; readonly l3?: Duration };

/** Defaults of one namespace: the engine's entry policy, with an L3 TTL added. */
export interface CacheNamespacePolicy extends Omit<EntryPolicy, 'ttl'> {
  /** TTL per layer, e.g. `{ l1: '30s', l2: '5m', l3: '1m' }`. */
  readonly ttl?: NamespaceTtl;
}

/** Options of `CacheModule.forFeature`. */
export interface CacheFeatureOptions extends CacheNamespacePolicy {
  /** The namespace, e.g. `'bid'` (keys `bid:…`). Inject it with `@InjectCache('bid')`. */
  readonly namespace: string;
}

/** The L3 edge. */
export interface CacheEdgeOptions {
  /** Called with the keys and tags after every invalidation made through the module. Default: none. */
  readonly purger?: EdgePurger | null;
  /**
   * Whether an invalidation waits for the edge purge (default `true`, so a caller that returns has purged).
   * Purge failures are logged and counted either way, never thrown.
   */
  readonly awaitPurge?: boolean;
  /**
   * Purge the same surrogate keys once more this long after an invalidation (default `'2s'`; `false` turns it
   * off). The first purge races the other instances: one that has not yet applied the invalidation (the bus
   * message is still on its way) can hand the edge the old body right after the purge, and the edge would
   * keep it for its whole TTL. The second purge, coalesced into one request per window for every
   * invalidation in it, also retries a purge that failed.
   */
  readonly repurgeAfter?: Duration | false;
}

/** Where the metrics go: the engine's settings, or a custom sink, or `false`. */
export type CacheModuleMetricsOption =
  | {
      /** Registry to register on (e.g. one shared with other metrics). Default: a new one. */
      readonly registry?: Registry;
      /** Prefix of metric names. Default `'cache_'`. */
      readonly prefix?: string;
      /** Constant labels on every series; `service` is added from the `service` option. */
      readonly labels?: Record<string, string>;
    }
  | MetricsSink
  | false;

/**
 * Options of `CacheModule.forRoot` / `forRootAsync`: the engine's {@link CacheOptions} plus what the Nest
 * layer adds. Give L2 either as a ready client (`l2: { redis }`, which the module never closes) or as
 * connection settings (`redis`, which the module opens and closes).
 */
export interface CacheModuleOptions extends Omit<CacheOptions, 'l2' | 'namespaces' | 'metrics'> {
  /**
   * L2: `{ redis }` (a client you own), `{ driver }`, `{ store }`, or — with `redis` below — only the common
   * settings `{ timeout, breaker }`.
   */
  readonly l2?: L2Options | L2CommonOptions | false;
  /** Redis connection settings; the module opens the client, uses it as L2, and closes it on shutdown. */
  readonly redis?: RedisConnectionOptions;
  /** Per-namespace defaults, e.g. `{ bid: { ttl: { l1: '30s', l2: '5m', l3: '1m' } } }`. */
  readonly namespaces?: Readonly<Record<string, CacheNamespacePolicy>>;
  /** Metrics: settings for the prom-client registry served at `/metrics`, a custom sink, or `false`. */
  readonly metrics?: CacheModuleMetricsOption;
  /** Name of the service: the `service` label on every metric series (the alert rules group by it). */
  readonly service?: string;
  /** The L3 edge purger. */
  readonly edge?: CacheEdgeOptions;
  /** Options of the HTTP caching interceptor (provided as `HTTP_CACHE_OPTIONS`). */
  readonly http?: HttpCacheOptions;
  /**
   * How long start-up waits for the L1 invalidation bus to subscribe before carrying on; the module keeps
   * trying in the background. Default `'5s'`.
   */
  readonly connectTimeout?: Duration;
}

/** Module-definition extras of `forRoot` / `forRootAsync` (known before the options are resolved). */
export interface CacheModuleExtras {
  /** Register the module globally (default `true`: one cache per process, and `forFeature` needs it). */
  readonly isGlobal?: boolean;
  /** Path of the Prometheus endpoint, or `false` for none. Default `'/metrics'`. */
  readonly metricsPath?: string | false;
}
