/** A tier of the cache, as labelled in metrics and events. */
export type Layer = 'l1' | 'l2';

/** Outcome of an L2 call. */
export type L2Outcome = 'ok' | 'error' | 'timeout' | 'short_circuit';

/** Outcome of a loader run inside `getOrSet`. */
export type LoaderOutcome = 'ok' | 'error' | 'timeout';

/** State of the L2 circuit breaker. */
export type BreakerState = 'closed' | 'open' | 'half_open';

/**
 * What the engine reports. Implementations must be cheap on the hit path: counters are plain increments read
 * at scrape time, never a histogram observation per L1 hit.
 */
export interface MetricsSink {
  /** A lookup served by `layer`. */
  hit(layer: Layer, namespace: string): void;
  /** A lookup `layer` could not serve. */
  miss(layer: Layer, namespace: string): void;
  /** A get served, with its latency (the engine samples L1 hits). */
  getLatency(servedBy: Layer | 'loader' | 'miss', seconds: number): void;
  /** One L2 call: its operation, outcome and duration (successes may be sampled). */
  l2Call(op: string, outcome: L2Outcome, seconds: number): void;
  /** One loader run inside `getOrSet`. */
  loader(namespace: string, outcome: LoaderOutcome, seconds: number): void;
  /** An entry left L1 without being deleted. */
  eviction(reason: 'evicted' | 'expired' | 'rejected'): void;
  /** An invalidation op published on the bus. */
  invalidationSent(kind: 'keys' | 'tags' | 'prefix' | 'all'): void;
  /** An invalidation op received from another instance, with its publish-to-apply lag. */
  invalidationReceived(kind: 'keys' | 'tags' | 'prefix' | 'all', lagSeconds: number): void;
  /** A stale value served (soft TTL refresh, or grace after a failure). */
  staleServed(namespace: string, reason: 'swr' | 'grace'): void;
  /** The L2 circuit breaker changed state. */
  breaker(state: BreakerState): void;
  /** The bus went silent (`false`: L1 is not served) or was heard again. Optional for custom sinks. */
  busLive?(live: boolean): void;
  /** Tells the sink how to read L1 size at scrape time. */
  bindL1(read: () => { bytes: number; entries: number; maxBytes: number }): void;
}
