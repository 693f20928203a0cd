import { CircuitBreaker, l2FailureReason, type CircuitState } from './circuit-breaker';
import { L2UnavailableError } from './errors';

const ok = <T>(value: T) => jest.fn(() => Promise.resolve(value));
const failing = (message = 'boom') => jest.fn(() => Promise.reject(new Error(message)));
const never = () => jest.fn(() => new Promise<never>(() => undefined));

/** Runs `count` failing calls and swallows their rejections. */
const fail = async (breaker: CircuitBreaker, count: number) => {
  for (let i = 0; i < count; i++) await breaker.run(failing(), 1000).catch(() => undefined);
};

describe(CircuitBreaker, () => {
  let states: CircuitState[];
  let breaker: CircuitBreaker;

  beforeEach(() => {
    jest.useFakeTimers();
    states = [];
    breaker = new CircuitBreaker({
      failureThreshold: 3,
      breakDurationMs: 1000,
      onStateChange: (state) => states.push(state),
    });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('constructor', () => {
    it('should start closed with the documented defaults', async () => {
      const defaults = new CircuitBreaker();
      expect(defaults.state).toBe('closed');
      await fail(defaults, 4);
      expect(defaults.state).toBe('closed');
      await fail(defaults, 1);
      expect(defaults.state).toBe('open');
    });

    it('should reject invalid options', () => {
      expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(RangeError);
      expect(() => new CircuitBreaker({ breakDurationMs: -1 })).toThrow(RangeError);
      expect(() => new CircuitBreaker({ halfOpenMaxCalls: Number.NaN })).toThrow(RangeError);
    });
  });

  describe('run()', () => {
    it("should resolve with fn's value and stay closed", async () => {
      await expect(breaker.run(ok(42), 1000)).resolves.toBe(42);
      expect(breaker.state).toBe('closed');
      expect(states).toEqual([]);
    });

    it("should pass fn's rejection through unchanged", async () => {
      const error = new Error('redis said no');
      await expect(breaker.run(() => Promise.reject(error), 1000)).rejects.toBe(error);
    });

    it('should treat a synchronous throw from fn as a failure', async () => {
      const error = new Error('sync');
      await expect(
        breaker.run(() => {
          throw error;
        }, 1000),
      ).rejects.toBe(error);
      expect(breaker.consecutiveFailures).toBe(1);
    });

    it('should open after failureThreshold consecutive failures', async () => {
      await fail(breaker, 2);
      expect(breaker.state).toBe('closed');
      await fail(breaker, 1);
      expect(breaker.state).toBe('open');
      expect(states).toEqual(['open']);
    });

    it('should count only consecutive failures (a success resets the count)', async () => {
      await fail(breaker, 2);
      await breaker.run(ok(1), 1000);
      await fail(breaker, 2);
      expect(breaker.state).toBe('closed');
    });

    it('should short-circuit while open without calling fn', async () => {
      await fail(breaker, 3);
      const fn = ok(1);
      const error = await breaker.run(fn, 1000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(L2UnavailableError);
      expect(error).toMatchObject({ code: 'E_L2_UNAVAILABLE', reason: 'short_circuit' });
      expect(fn).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(999);
      await expect(breaker.run(fn, 1000)).rejects.toMatchObject({ reason: 'short_circuit' });
      expect(fn).not.toHaveBeenCalled();
    });

    it('should let one probe through after breakDurationMs and short-circuit the calls beyond it', async () => {
      await fail(breaker, 3);
      await jest.advanceTimersByTimeAsync(1000);
      let finish: (value: string) => void = () => undefined;
      const probe = jest.fn(() => new Promise<string>((resolve) => (finish = resolve)));
      const pending = breaker.run(probe, 5000);
      expect(breaker.state).toBe('half_open');
      const other = ok('other');
      await expect(breaker.run(other, 5000)).rejects.toMatchObject({ reason: 'short_circuit' });
      expect(other).not.toHaveBeenCalled();
      expect(probe).toHaveBeenCalledTimes(1);
      finish('probed');
      await expect(pending).resolves.toBe('probed');
    });

    it('should close when the probe succeeds', async () => {
      await fail(breaker, 3);
      await jest.advanceTimersByTimeAsync(1000);
      await expect(breaker.run(ok('back'), 1000)).resolves.toBe('back');
      expect(breaker.state).toBe('closed');
      expect(states).toEqual(['open', 'half_open', 'closed']);
      await fail(breaker, 2); // the failure count restarted from zero
      expect(breaker.state).toBe('closed');
    });

    it('should re-open when the probe fails, for another breakDurationMs', async () => {
      await fail(breaker, 3);
      await jest.advanceTimersByTimeAsync(1000);
      await expect(breaker.run(failing('still down'), 1000)).rejects.toThrow('still down');
      expect(breaker.state).toBe('open');
      expect(states).toEqual(['open', 'half_open', 'open']);
      const fn = ok(1);
      await jest.advanceTimersByTimeAsync(500);
      await expect(breaker.run(fn, 1000)).rejects.toMatchObject({ reason: 'short_circuit' });
      expect(fn).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(500);
      await expect(breaker.run(fn, 1000)).resolves.toBe(1);
      expect(breaker.state).toBe('closed');
    });

    it('should allow halfOpenMaxCalls probes at once', async () => {
      const wide = new CircuitBreaker({ failureThreshold: 1, breakDurationMs: 10, halfOpenMaxCalls: 2 });
      await fail(wide, 1);
      await jest.advanceTimersByTimeAsync(10);
      const [first, second] = [never(), never()];
      void wide.run(first, 0);
      void wide.run(second, 0);
      expect(wide.state).toBe('half_open');
      await expect(wide.run(ok(1), 0)).rejects.toMatchObject({ reason: 'short_circuit' });
      expect(first).toHaveBeenCalledTimes(1);
      expect(second).toHaveBeenCalledTimes(1);
    });

    it("should reject a call that exceeds timeoutMs with reason 'timeout' and count it as a failure", async () => {
      const pending = breaker.run(never(), 100).catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(100);
      const error = await pending;
      expect(error).toBeInstanceOf(L2UnavailableError);
      expect(error).toMatchObject({ reason: 'timeout' });
      expect((error as Error).cause).toMatchObject({ name: 'TimeoutError' });
      expect(breaker.consecutiveFailures).toBe(1);
      const more = [breaker.run(never(), 100), breaker.run(never(), 100)].map((p) =>
        p.catch(() => undefined),
      );
      await jest.advanceTimersByTimeAsync(100);
      await Promise.all(more);
      expect(breaker.state).toBe('open');
    });

    it('should ignore what a timed-out call does later', async () => {
      let finish: (value: string) => void = () => undefined;
      const pending = breaker
        .run(() => new Promise<string>((resolve) => (finish = resolve)), 100)
        .catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(100);
      expect(await pending).toMatchObject({ reason: 'timeout' });
      finish('late');
      await Promise.resolve();
      expect(breaker.consecutiveFailures).toBe(1);
    });

    it('should leave no timer behind once the call settled', async () => {
      await breaker.run(ok(1), 1000);
      await breaker.run(failing(), 1000).catch(() => undefined);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('should not arm a timer when timeoutMs is 0 or Infinity', async () => {
      const pending = breaker.run(never(), 0);
      const forever = breaker.run(never(), Infinity);
      expect(jest.getTimerCount()).toBe(0);
      void pending;
      void forever;
    });

    it('should not let a late success from before the circuit opened close it', async () => {
      let finish: (value: string) => void = () => undefined;
      const slow = breaker.run(() => new Promise<string>((resolve) => (finish = resolve)), 10_000);
      await fail(breaker, 3);
      expect(breaker.state).toBe('open');
      finish('late');
      await expect(slow).resolves.toBe('late');
      expect(breaker.state).toBe('open');
    });

    it('should keep working when onStateChange throws', async () => {
      const noisy = new CircuitBreaker({
        failureThreshold: 1,
        onStateChange: () => {
          throw new Error('listener bug');
        },
      });
      await expect(noisy.run(failing('down'), 1000)).rejects.toThrow('down');
      expect(noisy.state).toBe('open');
    });
  });
});

describe(l2FailureReason, () => {
  it('should tell a short-circuit from a timeout from an error', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, breakDurationMs: 60_000 });
    const failed = await breaker.run(() => Promise.reject(new Error('x')), 1000).catch((e: unknown) => e);
    const refused = await breaker.run(() => Promise.resolve(1), 1000).catch((e: unknown) => e);
    const timedOut = await new CircuitBreaker()
      .run(() => new Promise(() => undefined), 1)
      .catch((e: unknown) => e);
    expect(l2FailureReason(failed)).toBe('error');
    expect(l2FailureReason(refused)).toBe('short_circuit');
    expect(l2FailureReason(timedOut)).toBe('timeout');
    expect(l2FailureReason(new L2UnavailableError('no reason'))).toBe('error');
    expect(l2FailureReason('not even an error')).toBe('error');
  });
});
