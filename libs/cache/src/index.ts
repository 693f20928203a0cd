// Public API of @platform/cache: the framework-free engine. Test helpers live in '@platform/cache/testing'.
export * from './lib/cache/cache.types';
export { createCache, TieredCache } from './lib/cache/create-cache';
export { NamespacedCache } from './lib/cache/namespaced-cache';
export * from './lib/core/errors';
export { toMs, toBytes, type Duration, type DurationUnit } from './lib/core/duration';
export type { CacheDriver, DriverEntry, HeadMatch, TagIndex, LeaseProvider } from './lib/core/driver';
export type { StoredEntry } from './lib/core/codec';
export { RedisDriver } from './lib/drivers/redis.driver';
export { MemoryDriver } from './lib/drivers/memory.driver';
export { LegacyStoreDriver, type LegacyStore } from './lib/drivers/legacy-store.driver';
export type { InvalidationBus, InvalidationOp, BusMessageMeta, ResyncReason } from './lib/bus/bus';
export {
  RedisInvalidationBus,
  BUS_WIRE_VERSION,
  type RedisInvalidationBusOptions,
  type RedisInvalidationBusStats,
} from './lib/bus/redis-bus';
export type { MetricsSink, Layer, L2Outcome, LoaderOutcome, BreakerState } from './lib/metrics/metrics-sink';
export { PrometheusMetrics, type PrometheusMetricsOptions } from './lib/metrics/prometheus.metrics';
export { NoopMetrics } from './lib/metrics/noop.metrics';
export { toCacheManager, type CacheManagerAdapterOptions } from './lib/compat/cache-manager.adapter';
export * from './lib/redis-connection';
// The HTTP response cache's framework-free core (keys, plans, Cache-Control, ETag, surrogate keys).
export * from './lib/http';
// The refill after a write: reload only the evicted keys read lately, one reload per key at a time.
export { KeyRefiller } from './lib/refill/key-refiller';
export { RecentReads } from './lib/refill/recent-reads';
