import type { BreakerState, L2Outcome, Layer, LoaderOutcome, MetricsSink } from './metrics-sink';

/** A {@link MetricsSink} that records nothing (`createCache({ metrics: false })`). */
export class NoopMetrics implements MetricsSink {
  /** Does nothing. */
  hit(_layer: Layer, _namespace: string): void {
    // no-op
  }

  /** Does nothing. */
  miss(_layer: Layer, _namespace: string): void {
    // no-op
  }

  /** Does nothing. */
  getLatency(_servedBy: Layer | 'loader' | 'miss', _seconds: number): void {
    // no-op
  }

  /** Does nothing. */
  l2Call(_op: string, _outcome: L2Outcome, _seconds: number): void {
    // no-op
  }

  /** Does nothing. */
  loader(_namespace: string, _outcome: LoaderOutcome, _seconds: number): void {
    // no-op
  }

  /** Does nothing. */
  eviction(_reason: 'evicted' | 'expired' | 'rejected'): void {
    // no-op
  }

  /** Does nothing. */
  invalidationSent(_kind: 'keys' | 'tags' | 'prefix' | 'all'): void {
    // no-op
  }

  /** Does nothing. */
  invalidationReceived(_kind: 'keys' | 'tags' | 'prefix' | 'all', _lagSeconds: number): void {
    // no-op
  }

  /** Does nothing. */
  staleServed(_namespace: string, _reason: 'swr' | 'grace'): void {
    // no-op
  }

  /** Does nothing. */
  breaker(_state: BreakerState): void {
    // no-op
  }

  /** Does nothing; the reader is never called. */
  bindL1(_read: () => { bytes: number; entries: number; maxBytes: number }): void {
    // no-op
  }
}
