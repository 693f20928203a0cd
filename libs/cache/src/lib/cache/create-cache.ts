import { randomUUID } from 'node:crypto';
import type { InvalidationBus } from '../bus/bus';
import { RedisInvalidationBus } from '../bus/redis-bus';
import { CircuitBreaker } from '../core/circuit-breaker';
import type { StoredEntry } from '../core/codec';
import type { CacheDriver } from '../core/driver';
import { toBytes, toMs } from '../core/duration';
import { InvalidOptionError } from '../core/errors';
import { LegacyStoreDriver } from '../drivers/legacy-store.driver';
import { RedisDriver } from '../drivers/redis.driver';
import { createL1Store } from '../l1/memory-store';
import type { MetricsSink } from '../metrics/metrics-sink';
import { NoopMetrics } from '../metrics/noop.metrics';
import { PrometheusMetrics } from '../metrics/prometheus.metrics';
import type { RedisConnection } from '../redis-connection';
import type { CacheEvents, CacheOptions, EntryPolicy } from './cache.types';
import { CacheCore } from './cache-core';
import { NamespacedCache } from './namespaced-cache';
import { DEFAULT_POLICY, resolvePolicy } from './policy';

const DEFAULT_L1_BYTES = 512 * 1024 * 1024;
const DEFAULT_MAX_ENTRY_BYTES = 1024 * 1024;
const DEFAULT_L2_TIMEOUT_MS = 250;
const DEFAULT_BUS_LIVENESS_MS = 3000;
const DEFAULT_LEASE_MS = 5000;

/**
 * The root of a cache: the typed API for the root namespace plus lifecycle (`connect`, `disconnect`), events
 * and metrics. Get namespaced views with {@link TieredCache.namespace}.
 */
export class TieredCache extends NamespacedCache<unknown> {
  /** prom-client registry holding this cache's metrics, when Prometheus metrics are on. */
  readonly registry: PrometheusMetrics['registry'] | undefined;

  constructor(
    core: CacheCore,
    policy: ReturnType<typeof resolvePolicy>,
    namespaceDefaults: (name: string) => EntryPolicy | undefined,
    registry: PrometheusMetrics['registry'] | undefined,
  ) {
    super(core, '', policy, namespaceDefaults);
    this.registry = registry;
  }

  /** Starts the L1 coherence bus; call once before serving traffic. */
  connect(): Promise<void> {
    return this.core.connect();
  }

  /** Stops the bus, releases owned connections and empties L1. Idempotent. */
  disconnect(): Promise<void> {
    return this.core.disconnect();
  }

  /** Subscribes to a typed event. */
  on<E extends keyof CacheEvents>(event: E, listener: (payload: CacheEvents[E]) => void): this {
    this.core.events.on(event, listener);
    return this;
  }

  /** Unsubscribes from a typed event. */
  off<E extends keyof CacheEvents>(event: E, listener: (payload: CacheEvents[E]) => void): this {
    this.core.events.off(event, listener);
    return this;
  }

  /** Whether the cache stores and serves values (`false`: the cache-off switch, see `CacheOptions.enabled`). */
  get enabled(): boolean {
    return this.core.enabled;
  }

  /** State of the L2 circuit breaker (`'closed'` when healthy). */
  get breakerState(): 'closed' | 'open' | 'half_open' {
    return this.core.breakerState;
  }
}

/**
 * Creates a multi-tier cache. Without options it is L1-only (512 MB, W-TinyLFU); add `l2: { redis }` for
 * Redis or Redis Cluster, which also turns on the L1 coherence bus and cross-process leases.
 *
 * @example
 * const cache = createCache({ l2: { redis }, namespaces: { bid: { ttl: { l1: '30s', l2: '5m' } } } });
 * await cache.connect();
 * const bids = cache.namespace<Bid>('bid');
 * const bid = await bids.getOrSet(id, () => repo.findOneBy({ id }));
 */
export function createCache(options: CacheOptions = {}): TieredCache {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('options: expected an object');
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string') throw new InvalidOptionError('prefix: expected a string');
  const maxKeyLength = options.maxKeyLength ?? 1024;
  if (!Number.isInteger(maxKeyLength) || maxKeyLength < 1) {
    throw new InvalidOptionError('maxKeyLength: expected a positive integer');
  }
  const enabled = options.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new InvalidOptionError('enabled: expected a boolean');
  const basePolicy = resolvePolicy(DEFAULT_POLICY, options);

  const { sink, registry } = buildMetrics(options.metrics);
  // Callbacks wired into L1 and the breaker need the core, which is built last.
  const late: { core?: CacheCore } = {};

  const l1Options = options.l1 === false ? undefined : (options.l1 ?? {});
  const maxEntryBytes = toBytes(l1Options?.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES, 'l1.maxEntryBytes');
  const maxBytes = toBytes(l1Options?.maxBytes ?? DEFAULT_L1_BYTES, 'l1.maxBytes');
  const l1 =
    l1Options === undefined
      ? undefined
      : createL1Store<StoredEntry>({
          maxBytes,
          maxEntryBytes,
          policy: l1Options.policy ?? 'tinylfu',
          onRemove: (key, reason) => {
            sink.eviction(reason);
            late.core?.onL1Removed(key);
          },
        });
  if (l1 !== undefined) {
    sink.bindL1(() => ({ bytes: l1.bytes, entries: l1.size, maxBytes }));
  }

  const l2Options = options.l2 === false || options.l2 === undefined ? undefined : options.l2;
  let l2: CacheDriver | undefined;
  let redis: RedisConnection | undefined;
  if (l2Options !== undefined) {
    if ('redis' in l2Options) {
      redis = l2Options.redis;
      l2 = new RedisDriver(l2Options.redis);
    } else if ('driver' in l2Options) {
      l2 = l2Options.driver;
    } else if ('store' in l2Options) {
      l2 = new LegacyStoreDriver(l2Options.store);
    } else {
      throw new InvalidOptionError('l2: expected { redis }, { driver } or { store }');
    }
  }
  const breaker = new CircuitBreaker({
    failureThreshold: l2Options?.breaker?.failureThreshold ?? 5,
    breakDurationMs: toMs(l2Options?.breaker?.breakDuration ?? 1000, 'l2.breaker.breakDuration'),
    onStateChange: (state) => {
      sink.breaker(state);
      late.core?.events.emit('breaker', { state });
    },
  });

  const bus = buildBus(options, prefix, redis);
  const lease = options.lease === false ? false : toMs(options.lease?.ttl ?? DEFAULT_LEASE_MS, 'lease.ttl');

  const core = new CacheCore({
    prefix,
    l1,
    maxEntryBytes,
    l2,
    l2TimeoutMs: toMs(l2Options?.timeout ?? DEFAULT_L2_TIMEOUT_MS, 'l2.timeout'),
    l2Connection: redis,
    breaker,
    bus,
    leaseMs: lease,
    metrics: sink,
    maxKeyLength,
    enabled,
  });
  late.core = core;
  const namespaces = options.namespaces ?? {};
  return new TieredCache(core, basePolicy, (name) => namespaces[name], registry);
}

function buildMetrics(option: CacheOptions['metrics']): {
  sink: MetricsSink;
  registry: PrometheusMetrics['registry'] | undefined;
} {
  if (option === false) return { sink: new NoopMetrics(), registry: undefined };
  if (option !== undefined && typeof (option as MetricsSink).hit === 'function') {
    return { sink: option as MetricsSink, registry: undefined };
  }
  const settings = (option ?? {}) as {
    registry?: PrometheusMetrics['registry'];
    prefix?: string;
    labels?: Record<string, string>;
  };
  const metrics = new PrometheusMetrics({
    registry: settings.registry,
    prefix: settings.prefix,
    labels: settings.labels,
  });
  return { sink: metrics, registry: metrics.registry };
}

function buildBus(
  options: CacheOptions,
  prefix: string,
  redis: RedisConnection | undefined,
): InvalidationBus | undefined {
  const setting = options.bus;
  if (setting === false) return undefined;
  if (typeof setting === 'object' && setting.bus !== undefined) return setting.bus;
  if (redis === undefined) {
    if (setting === true || typeof setting === 'object') {
      throw new InvalidOptionError('bus: needs `l2: { redis }` (or pass a ready-made `bus.bus`)');
    }
    return undefined;
  }
  const channel = (typeof setting === 'object' ? setting.channel : undefined) ?? `${prefix}__cache_bus`;
  const liveness = typeof setting === 'object' ? setting.liveness : undefined;
  return new RedisInvalidationBus({
    publisher: redis,
    channel,
    instanceId: options.instanceId ?? randomUUID(),
    livenessMs: liveness === false ? false : toMs(liveness ?? DEFAULT_BUS_LIVENESS_MS, 'bus.liveness'),
  });
}
