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
  hit(layer: Layer, namespace: string): void;
  miss(layer: Layer, namespace: string): void;
  /** A get served, with its latency (the engine samples L1 hits). */
  getLatency(servedBy: Layer | 'loader' | 'miss', seconds: number): void;
  l2Call(op: string, outcome: L2Outcome, seconds: number): void;
  loader(namespace: string, outcome: LoaderOutcome, seconds: number): void;
  eviction(reason: 'evicted' | 'expired' | 'rejected'): void;
  invalidationSent(kind: 'keys' | 'tags' | 'prefix' | 'all'): void;
  invalidationReceived(kind: 'keys' | 'tags' | 'prefix' | 'all', lagSeconds: number): void;
  staleServed(namespace: string, reason: 'swr' | 'grace'): void;
  breaker(state: BreakerState): void;
  /** Tells the sink how to read L1 size at scrape time. */
  bindL1(read: () => { bytes: number; entries: number; maxBytes: number }): void;
}
