import type { Registry } from 'prom-client';
import type { InvalidationBus, InvalidationOp } from '../bus/bus';
import type { CacheDriver } from '../core/driver';
import type { Duration } from '../core/duration';
import type { LegacyStore } from '../drivers/legacy-store.driver';
import type { MetricsSink } from '../metrics/metrics-sink';
import type { RedisConnection } from '../redis-connection';

/**
 * Time to live per layer, as in the spec's domain tables (`{ l1: '30s', l2: '5m' }`). A single duration sets
 * L2 to it and L1 to the smaller of it and the L1 default.
 */
export type TtlOption = Duration | { readonly l1?: Duration; readonly l2?: Duration };

/** Loader timeouts for `getOrSet`. */
export interface LoaderTimeouts {
  /**
   * When a stale value is at hand (grace), return it after this long and let the loader finish in the
   * background. Without a stale value the caller keeps waiting (up to `hard`).
   */
  readonly soft?: Duration;
  /** Give up after this long: serve stale if there is one, else reject with `E_CACHE_LOADER_TIMEOUT`. */
  readonly hard?: Duration;
}

/** Per-entry policy; every field can also be set per namespace and globally. */
export interface EntryPolicy {
  /** Time to live per layer. */
  readonly ttl?: TtlOption;
  /**
   * Soft TTL (stale-while-revalidate): after this age `getOrSet` still serves the value at once but refreshes
   * it once in the background. Must be shorter than the L2 TTL to have an effect.
   */
  readonly softTtl?: Duration | false;
  /**
   * Grace: how long past its TTL an entry is kept so that it can be served when the loader fails or exceeds its
   * soft timeout, or when L2 is down. `false` or `0` disables it.
   */
  readonly grace?: Duration | false;
  /** Loader timeouts (`getOrSet` only). */
  readonly timeouts?: LoaderTimeouts;
}

/** Options of one `set`/`setMany`/`getOrSet` call. */
export interface SetOptions extends EntryPolicy {
  /** Tags for `invalidateTags`; namespaced like keys. */
  readonly tags?: readonly string[];
}

/** What a loader receives. */
export interface LoaderContext<T> {
  /** The key (without namespace). */
  readonly key: string;
  /** Aborted when the hard timeout passes; pass it to fetch/DB drivers that accept one. */
  readonly signal: AbortSignal;
  /** The stale value being replaced, if any (grace or soft TTL). */
  readonly stale: T | undefined;
}

/** Options of `getOrSet`. */
export interface GetOrSetOptions extends SetOptions {
  /**
   * Cross-process stampede protection through a lease in L2 (default on when L2 supports leases). Only one
   * process runs the loader; the others wait for its value, at most the lease TTL.
   */
  readonly lease?: boolean;
}

/** An entry for `setMany`. */
export interface SetManyEntry<T> {
  readonly key: string;
  readonly value: T;
  /** Overrides the call's options for this entry. */
  readonly options?: SetOptions;
}

/**
 * A namespaced view of the cache: the typed API services use. All methods validate their input and reject with
 * a {@link CacheError} on bad input; L2 failures never fail a read or a `set` (L1 or the loader serve), while
 * deletes and invalidations reject with `E_L2_UNAVAILABLE` after evicting locally so the caller can retry.
 */
export interface Cache<T = unknown> {
  /** The namespace path, e.g. `'bid'` or `'routing:geo'` (`''` for the root). */
  readonly name: string;
  /** Reads L1, then L2 (backfilling L1 with the entry's remaining TTL). */
  get(key: string): Promise<T | undefined>;
  /**
   * Reads L1 only, synchronously: the fresh value this process holds, or `undefined` (absent, expired, evicted
   * by a write, delete, tag invalidation or clear here or on another instance). Never reads L2, never loads.
   * For hot in-process paths that can fall back themselves; throws (does not reject) on a bad key or once
   * disconnected.
   */
  peek(key: string): T | undefined;
  /** Reads many keys at once (L2 batched by Cluster slot); results follow the order of `keys`. */
  getMany(keys: readonly string[]): Promise<(T | undefined)[]>;
  /** Writes L2 then L1, and evicts the key from other instances' L1. */
  set(key: string, value: T, options?: SetOptions): Promise<void>;
  /** Writes many entries; every value is validated before anything is written. */
  setMany(entries: readonly SetManyEntry<T>[], options?: SetOptions): Promise<void>;
  /** Deletes a key everywhere; resolves whether it existed in L1 or L2. */
  delete(key: string): Promise<boolean>;
  /** Deletes many keys everywhere; resolves how many existed in L2 (or L1 without L2). */
  deleteMany(keys: readonly string[]): Promise<number>;
  /** Whether a fresh entry exists. */
  has(key: string): Promise<boolean>;
  /** Remaining time to live of a fresh entry in ms, or `undefined`. */
  ttl(key: string): Promise<number | undefined>;
  /**
   * Returns the cached value or loads, stores and returns it. Concurrent misses share one load per process and,
   * with a lease, across processes; soft TTL, grace and loader timeouts apply.
   */
  getOrSet(
    key: string,
    loader: (ctx: LoaderContext<T>) => Promise<T> | T,
    options?: GetOrSetOptions,
  ): Promise<T>;
  /**
   * Runs the loader now and stores its value, unless the key is written or invalidated on any instance while it
   * loads: then the caller gets the value but it is not stored. For warmers: `set(key, await load())` would put
   * back a value read just before a concurrent change replaced it, until the TTL. Other instances are not told
   * (they hold nothing newer). Resolves the loaded value.
   */
  refresh(
    key: string,
    loader: (ctx: LoaderContext<T>) => Promise<T> | T,
    options?: GetOrSetOptions,
  ): Promise<T>;
  /** Invalidates every entry written with any of `tags`, on every instance. */
  invalidateTags(tags: readonly string[]): Promise<number>;
  /** Deletes every entry of a namespace (default: this one) on every instance and every Cluster master. */
  clear(namespace?: string): Promise<number>;
  /** A child namespace: `ns.namespace('x')` keys live under `ns:x:`. */
  namespace<U = T>(name: string, defaults?: EntryPolicy): Cache<U>;
}

/** L1 settings. */
export interface L1Options {
  /** Byte budget of the in-process tier. Default 512 MB (spec). */
  readonly maxBytes?: number | string;
  /** Largest entry L1 keeps. Default 1 MB. */
  readonly maxEntryBytes?: number | string;
  /** Eviction/admission policy. Default `'tinylfu'` (measured better; see BENCHMARKS.md). */
  readonly policy?: 'tinylfu' | 'lru';
}

/** Circuit-breaker settings for L2. */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker. Default 5. */
  readonly failureThreshold?: number;
  /** How long L2 is skipped once open, before one probe call. Default 1 s. */
  readonly breakDuration?: Duration;
}

/** Common L2 settings. */
export interface L2CommonOptions {
  /** Per-call timeout. Default 250 ms. */
  readonly timeout?: Duration;
  /** Circuit breaker. */
  readonly breaker?: BreakerOptions;
}

/** L2 settings: an ioredis client (standalone or Cluster), a custom driver, or a cache-manager v5 store. */
export type L2Options =
  | (L2CommonOptions & { readonly redis: RedisConnection })
  | (L2CommonOptions & { readonly driver: CacheDriver })
  | (L2CommonOptions & { readonly store: LegacyStore });

/** Bus settings. */
export interface BusOptions {
  /** Pub/sub channel. Default `<prefix>__cache_bus`. */
  readonly channel?: string;
  /** A ready-made bus (tests, other transports). */
  readonly bus?: InvalidationBus;
  /**
   * Longest this instance may go without hearing its own bus messages back before L1 stops being served
   * (Redis down, slow or failing over): what bounds L1 staleness when invalidations cannot travel, instead of
   * the L1 TTL. A heartbeat goes out every quarter of it. Default `'3s'`; `false`: never (the L1 TTL bounds it).
   */
  readonly liveness?: Duration | false;
}

/** Lease settings for cross-process stampede protection. */
export interface LeaseOptions {
  /** Longest a crashed holder can block others. Default 5 s. */
  readonly ttl?: Duration;
}

/** Options of {@link createCache}. */
export interface CacheOptions extends EntryPolicy {
  /** Prefix of every key in L2 and on the bus, e.g. `'app:'`. Default `''`. */
  readonly prefix?: string;
  /** L1 settings, or `false` to run without L1. */
  readonly l1?: L1Options | false;
  /** L2 settings, or `false`/absent to run L1-only. */
  readonly l2?: L2Options | false;
  /** The L1 coherence bus. Default on when L2 is an ioredis client. */
  readonly bus?: BusOptions | boolean;
  /** Leases for cross-process coalescing, or `false`. */
  readonly lease?: LeaseOptions | false;
  /** Per-namespace defaults, e.g. `{ bid: { ttl: { l1: '30s', l2: '5m' } } }`. */
  readonly namespaces?: Readonly<Record<string, EntryPolicy>>;
  /** Where metrics go: a sink, a prom-client registry to register on, or `false`. Default: a new registry. */
  readonly metrics?:
    | MetricsSink
    | {
        readonly registry?: Registry;
        readonly prefix?: string;
        /** Constant labels on every series, e.g. `{ service: 'bid' }` (the alert rules group by `service`). */
        readonly labels?: Record<string, string>;
      }
    | false;
  /** Longest key accepted, in characters (namespace included). Default 1024. */
  readonly maxKeyLength?: number;
  /** Id of this instance on the bus. Default random. */
  readonly instanceId?: string;
  /**
   * `false` turns the cache off, e.g. to measure a service without it on the same code: reads miss, `getOrSet`
   * runs its loader on every call (no coalescing, nothing stored), `set`/`setMany` evict the keys everywhere
   * instead of storing them (so instances with the cache on never keep an older value), and deletes, tag
   * invalidations and clears work as usual. Default `true`.
   */
  readonly enabled?: boolean;
}

/** Typed events; subscribe with `cache.on(name, listener)`. */
export interface CacheEvents {
  hit: { key: string; layer: 'l1' | 'l2'; stale: boolean };
  miss: { key: string };
  set: { key: string };
  delete: { key: string };
  'tags:invalidated': { tags: readonly string[]; keys: number };
  cleared: { prefix: string; count: number };
  'bus:received': { ops: readonly InvalidationOp[]; source: string; sentAt: number };
  'bus:resync': { reason: string };
  /** The bus went silent: L1 is not served until it is heard again (then `bus:resync`, reason `silence`). */
  'bus:silent': Record<string, never>;
  'l2:error': { op: string; error: Error };
  'loader:error': { key: string; error: unknown };
  /** A loaded value was returned but not stored: its key was written or invalidated while it loaded. */
  'loader:overtaken': { key: string };
  /**
   * Another instance's invalidation arrived right after this process loaded some of its keys into L2 (their
   * load may have read the source before the change). `keys`: deleted again from L2, since L2 still held this
   * process's fill (or the driver cannot compare, then deleted regardless). `kept`: left alone, since L2
   * already held another write (e.g. the other instance's refill with the new value).
   */
  'l2:repaired': { keys: readonly string[]; kept: readonly string[] };
  /**
   * An invalidation whose L2 side had failed reached L2 on a retry (and was published again); until then its
   * keys were not read from L2.
   */
  'l2:settled': { op: InvalidationOp };
  stale: { key: string; reason: 'swr' | 'grace' };
  breaker: { state: 'closed' | 'open' | 'half_open' };
  error: { message: string; error: unknown };
}
