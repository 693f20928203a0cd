import type { InvalidationBus, InvalidationOp } from '../bus/bus';
import type { CircuitBreaker } from '../core/circuit-breaker';
import type { StoredEntry } from '../core/codec';
import type { CacheDriver } from '../core/driver';
import type { TypedEmitter } from '../core/typed-emitter';
import type { L1Store } from '../l1/l1-store';
import type { MetricsSink } from '../metrics/metrics-sink';
import type { CacheEvents } from './cache.types';
import type { L1Tier } from './l1-tier';
import type { L2Guard } from './l2-guard';
import type { MutationLog } from './mutation-log';
import type { RecentFills } from './recent-fills';
import type { UnsettledInvalidations } from './unsettled-invalidations';

/** Wiring the core needs; built by `createCache` from {@link CacheOptions}. */
export interface CacheCoreParts {
  readonly prefix: string;
  readonly l1: L1Store<StoredEntry> | undefined;
  readonly maxEntryBytes: number;
  readonly l2: CacheDriver | undefined;
  readonly l2TimeoutMs: number;
  /** The Redis connection `l2` writes on, when known: the bus may publish right behind its commands. */
  readonly l2Connection?: unknown;
  readonly breaker: CircuitBreaker;
  readonly bus: InvalidationBus | undefined;
  readonly leaseMs: number | false;
  readonly metrics: MetricsSink;
  readonly maxKeyLength: number;
  /**
   * `false`: the cache-off switch. Reads miss, `getOrSet` runs its loader every time, writes evict instead of
   * storing; deletes, tag invalidations and clears still reach L2 and the other instances.
   */
  readonly enabled: boolean;
}

/**
 * What the read path, the write path and the loader share: the tiers, the bookkeeping that orders them, and
 * the ways out (events, metrics, the bus). {@link CacheCore} is the one implementation.
 */
export interface CoreContext {
  readonly parts: CacheCoreParts;
  readonly events: TypedEmitter<CacheEvents>;
  readonly metrics: MetricsSink;
  readonly l1: L1Tier;
  readonly l2: L2Guard;
  readonly mutations: MutationLog;
  /** Loader fills written to L2 lately, repaired when another instance's invalidation races them. */
  readonly fills: RecentFills;
  /** Invalidations whose L2 side failed: their keys are not read from L2 until a retry lands. */
  readonly unsettled: UnsettledInvalidations;
  /** Whether `disconnect` ran. */
  readonly closed: boolean;
  /** Tells the other instances to evict. */
  publish(op: InvalidationOp): void;
  /**
   * Publishes `op` right behind the L2 command just issued, when the bus publishes in order on L2's connection
   * (standalone Redis); false when it cannot, and the caller publishes after L2 answered.
   */
  publishBehindL2(op: InvalidationOp): boolean;
}
