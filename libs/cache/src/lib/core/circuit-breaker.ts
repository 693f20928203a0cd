import { Deadlines } from './deadlines';
import { L2UnavailableError } from './errors';

/** State of a {@link CircuitBreaker}: `closed` (healthy), `open` (failing fast) or `half_open` (probing). */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** Why an L2 call failed: the breaker refused it, it timed out, or it rejected. */
export type L2FailureReason = 'short_circuit' | 'timeout' | 'error';

/** Settings of a {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures (errors or timeouts) that open the circuit. Default 5. */
  readonly failureThreshold?: number;
  /** How long the circuit stays open before a probe is let through. Default 1000 ms. */
  readonly breakDurationMs?: number;
  /** How many probe calls may be in flight while half-open. Default 1. */
  readonly halfOpenMaxCalls?: number;
  /** Called on every state transition (for metrics and events); what it throws is ignored. */
  readonly onStateChange?: (state: CircuitState) => void;
}

const option = (value: number | undefined, fallback: number, name: string, min: number): number => {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min) {
    throw new RangeError(`CircuitBreaker: ${name} must be a finite number >= ${min}, got ${value}`);
  }
  return value;
};

/**
 * Guards calls to a remote dependency (the L2 driver) with a timeout and a consecutive-failure circuit breaker,
 * so that a slow or dead Redis costs the caller at most `timeoutMs` per call and, once the circuit is open,
 * nothing at all: calls are refused at once with {@link L2UnavailableError} (`reason: 'short_circuit'`)
 * until `breakDurationMs` has passed. Then up to `halfOpenMaxCalls` probes are let through: a success closes
 * the circuit, a failure re-opens it for another `breakDurationMs`.
 *
 * Transitions happen lazily inside {@link run}: `state` stays `'open'` after the break has elapsed until the
 * next call arrives and becomes the probe. Outcomes of calls started before the last transition are ignored
 * (a slow call from the closed era cannot close a circuit that has opened since).
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probesInFlight = 0;
  /** Bumped on each transition; a settling call only counts if the generation it started in is current. */
  private generation = 0;
  private readonly failureThreshold: number;
  private readonly breakDurationMs: number;
  private readonly halfOpenMaxCalls: number;
  private readonly onStateChange: ((state: CircuitState) => void) | undefined;
  /** Per call budget, the calls waiting on it (callers use one or two budgets). */
  private readonly timeouts = new Map<number, Deadlines>();
  private lastDeadlines: { durationMs: number; queue: Deadlines } | undefined;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = option(options.failureThreshold, 5, 'failureThreshold', 1);
    this.breakDurationMs = option(options.breakDurationMs, 1000, 'breakDurationMs', 0);
    this.halfOpenMaxCalls = option(options.halfOpenMaxCalls, 1, 'halfOpenMaxCalls', 1);
    this.onStateChange = options.onStateChange;
  }

  /** The current state; see the class comment for when `open` turns into `half_open`. */
  get state(): CircuitState {
    return this.current;
  }

  /** Consecutive failures counted since the last success (for diagnostics). */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /**
   * Runs `fn` unless the circuit is open. Resolves or rejects as `fn` does (its error is passed through
   * unchanged); rejects with {@link L2UnavailableError} `reason: 'timeout'` when `fn` has not settled within
   * `timeoutMs` (a non-positive or infinite `timeoutMs` disables the timeout), and with `reason:
   * 'short_circuit'` without calling `fn` while the circuit is open. Errors and timeouts count as failures.
   */
  run<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
    let probe = false;
    if (this.current !== 'closed') {
      if (this.current === 'open') {
        if (Date.now() - this.openedAt < this.breakDurationMs) return this.shortCircuit();
        this.transition('half_open');
      }
      if (this.probesInFlight >= this.halfOpenMaxCalls) return this.shortCircuit();
      this.probesInFlight++;
      probe = true;
    }
    const generation = this.generation;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let done: (() => void) | undefined;
      if (timeoutMs > 0 && timeoutMs !== Infinity) {
        done = this.deadlines(timeoutMs).add(() => {
          if (settled) return;
          settled = true;
          this.settle(generation, probe, false);
          const cause = new Error(`L2 call timed out after ${timeoutMs} ms`);
          cause.name = 'TimeoutError';
          reject(new L2UnavailableError(`L2 call timed out after ${timeoutMs} ms`, cause, 'timeout'));
        });
      }
      let pending: Promise<T>;
      try {
        pending = fn();
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => {
          if (settled) return;
          settled = true;
          done?.();
          this.settle(generation, probe, true);
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          done?.();
          this.settle(generation, probe, false);
          reject(error);
        },
      );
    });
  }

  /** The shared timeout queue of calls with this budget (one timer for all of them; see {@link Deadlines}). */
  private deadlines(timeoutMs: number): Deadlines {
    if (this.lastDeadlines?.durationMs === timeoutMs) return this.lastDeadlines.queue;
    let queue = this.timeouts.get(timeoutMs);
    if (queue === undefined) {
      queue = new Deadlines(timeoutMs);
      this.timeouts.set(timeoutMs, queue);
    }
    this.lastDeadlines = { durationMs: timeoutMs, queue };
    return queue;
  }

  private shortCircuit<T>(): Promise<T> {
    return Promise.reject(new L2UnavailableError('L2 circuit breaker is open', undefined, 'short_circuit'));
  }

  private settle(generation: number, probe: boolean, ok: boolean): void {
    if (generation !== this.generation) return;
    if (probe) this.probesInFlight--;
    if (ok) {
      this.failures = 0;
      if (this.current === 'half_open') this.transition('closed');
      return;
    }
    this.failures++;
    if (this.current === 'half_open' || this.failures >= this.failureThreshold) {
      this.openedAt = Date.now();
      this.transition('open');
    }
  }

  private transition(state: CircuitState): void {
    this.current = state;
    this.generation++;
    this.probesInFlight = 0;
    if (state === 'closed') this.failures = 0;
    if (this.onStateChange === undefined) return;
    try {
      this.onStateChange(state);
    } catch {
      // A listener must not break the call that triggered the transition.
    }
  }
}

/**
 * Classifies a rejection from {@link CircuitBreaker.run} (or from the engine's L2 guard): `'short_circuit'`
 * when the breaker refused the call, `'timeout'` when it exceeded its budget, `'error'` for anything else.
 */
export function l2FailureReason(error: unknown): L2FailureReason {
  return error instanceof L2UnavailableError && error.reason !== undefined ? error.reason : 'error';
}
