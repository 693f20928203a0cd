/**
 * A millisecond clock that reads `Date.now()` at most once per timer tick: the first read caches the time and
 * schedules an unref'd 1 ms timer that invalidates it. Reading it costs a field load instead of a ~35 ns
 * `Date.now()` call, which matters on the L1 hit path. The price: during one long synchronous run the time
 * stands still (as with lru-cache's `ttlResolution`), so an entry may be served up to that long after it expired.
 */
export class CoarseClock {
  private cached = 0;
  private readings = 0;
  /**
   * Names the reading {@link now} returns until the timer invalidates it: a new number at every fresh
   * `Date.now()` (never reused), -1 while no reading is cached. A caller that found something fresh at tick
   * `k` may skip re-checking it while `tick === k`, since the time has not moved (see `ReadPath.peekHandle`).
   * A small integer, so comparing it costs less than comparing two times (doubles, boxed in object fields).
   */
  tick = -1;
  private readonly invalidate = (): void => {
    this.cached = 0;
    this.tick = -1;
  };

  /** Current time in ms since the epoch, at most one timer tick old. Bound: safe to pass around. */
  readonly now = (): number => {
    const cached = this.cached;
    if (cached !== 0) return cached;
    const now = Date.now();
    this.cached = now;
    this.tick = ++this.readings;
    setTimeout(this.invalidate, 1).unref();
    return now;
  };
}

/** The clock every store uses unless one is injected. */
export const defaultClock = new CoarseClock();
