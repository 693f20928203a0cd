import { performance } from 'node:perf_hooks';
import type { CircuitBreaker } from '../core/circuit-breaker';
import { L2UnavailableError } from '../core/errors';
import type { TypedEmitter } from '../core/typed-emitter';
import type { L2Outcome, MetricsSink } from '../metrics/metrics-sink';
import type { CacheEvents } from './cache.types';

const L2_LATENCY_SAMPLE_MASK = 7;

/** What {@link L2Guard} needs. */
export interface L2GuardOptions {
  readonly breaker: CircuitBreaker;
  readonly timeoutMs: number;
  readonly metrics: MetricsSink;
  readonly events: TypedEmitter<CacheEvents>;
}

/**
 * Every L2 call goes through here: the circuit breaker with a timeout, metrics, and one error type. A failure
 * becomes {@link L2UnavailableError}, which the read path turns into a miss and the write path into a report.
 */
export class L2Guard {
  private sample = 0;

  constructor(private readonly options: L2GuardOptions) {}

  /** Runs one L2 operation under the breaker; rejects with {@link L2UnavailableError} on any failure. */
  async call<R>(op: string, fn: () => Promise<R>): Promise<R> {
    const { breaker, timeoutMs, metrics, events } = this.options;
    // Successful calls are timed 1 in 8 (histogram observations cost more than the rest of the call's
    // bookkeeping); failures are always recorded, so error counts stay exact.
    const timed = (++this.sample & L2_LATENCY_SAMPLE_MASK) === 0;
    const t0 = performance.now();
    try {
      const result = await breaker.run(fn, timeoutMs);
      if (timed) metrics.l2Call(op, 'ok', (performance.now() - t0) / 1000);
      return result;
    } catch (cause) {
      const error =
        cause instanceof L2UnavailableError ? cause : new L2UnavailableError(`L2 ${op} failed`, cause);
      const outcome: L2Outcome = (error as { reason?: L2Outcome }).reason ?? 'error';
      metrics.l2Call(op, outcome, (performance.now() - t0) / 1000);
      events.emit('l2:error', { op, error });
      throw error;
    }
  }
}
