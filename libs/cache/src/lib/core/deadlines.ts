/** One call waiting on its deadline in a {@link Deadlines} queue. */
interface Waiting {
  readonly at: number;
  /** Cleared once the call settled or expired. */
  expire: (() => void) | undefined;
}

/**
 * Timeouts for many calls that share one duration, kept with one timer instead of one per call. Calls with the
 * same duration expire in the order they started, so the queue is a FIFO and the timer only ever waits for the
 * oldest call still running. At tens of thousands of L2 calls a second, a `setTimeout` + `clearTimeout` per call
 * (a timer object, a list insert and removal) was a visible share of the call's cost.
 *
 * When no call is running the timer is cleared, so an idle process keeps no timer (and a test with fake timers
 * sees none).
 */
export class Deadlines {
  private queue: Waiting[] = [];
  private head = 0;
  private running = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly durationMs: number) {}

  /**
   * Calls `expire` once `durationMs` has passed, unless the returned `done` is called first. `done` is
   * idempotent, and `expire` is never called after it.
   */
  add(expire: () => void): () => void {
    const waiting: Waiting = { at: Date.now() + this.durationMs, expire };
    this.queue.push(waiting);
    this.running++;
    if (this.timer === undefined) this.arm(waiting.at);
    return () => {
      if (waiting.expire === undefined) return;
      waiting.expire = undefined;
      this.finished();
    };
  }

  private finished(): void {
    if (--this.running > 0) return;
    // Nothing runs: drop the settled entries and the timer at once.
    this.queue = [];
    this.head = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(at: number): void {
    this.timer = setTimeout(this.fire, Math.max(1, at - Date.now()));
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = Date.now();
    const queue = this.queue;
    while (this.head < queue.length) {
      const waiting = queue[this.head];
      if (waiting.expire !== undefined) {
        if (waiting.at > now) break;
        const expire = waiting.expire;
        waiting.expire = undefined;
        this.running--;
        expire();
      }
      this.head++;
    }
    // `expire` may have added calls or settled the last one (which resets the queue).
    if (this.queue !== queue) return;
    if (this.head > 1024 && this.head * 2 > queue.length) {
      this.queue = queue.slice(this.head);
      this.head = 0;
    }
    if (this.head < this.queue.length && this.timer === undefined) this.arm(this.queue[this.head].at);
    else if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
  };
}
