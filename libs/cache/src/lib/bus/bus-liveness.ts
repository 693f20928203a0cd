/** Options of {@link BusLiveness}. */
export interface BusLivenessOptions {
  /** Longest time without hearing an own message back before the bus counts as silent. */
  readonly windowMs: number;
  /** Publishes a heartbeat (an empty message). Called every quarter of the window. */
  readonly beat: () => void;
  /** Whether the bus is running (no beats, no verdicts otherwise). */
  readonly running: () => boolean;
  /** Told when the bus goes silent (`false`) and when it is heard again (`true`). */
  readonly onChange: (live: boolean) => void;
}

/**
 * Whether the bus still carries messages, judged the only way that covers every failure (Redis down, slow or
 * failing over, this instance's publisher or subscription lost): this instance must hear its own messages back.
 * It publishes a heartbeat every quarter of the window; when a heartbeat has not come back within the window
 * (or could not be sent at all), the bus is silent. An invalidation another instance sent meanwhile may be held
 * up or lost, so L1 must not be trusted until the bus is heard again (and then it is dropped: messages may have
 * been missed).
 *
 * Judged per heartbeat, not by the time since the last echo: after the event loop was blocked for longer than
 * the window, no heartbeat was outstanding, so the block alone is not mistaken for silence (the messages that
 * arrived meanwhile are waiting in the socket and are read before anything is served).
 */
export class BusLiveness {
  /** Times the bus went silent. */
  silences = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Sender clock of the oldest heartbeat not heard back yet; undefined when every one came back. */
  private oldestUnanswered: number | undefined;
  private live = true;

  constructor(private readonly options: BusLivenessOptions) {}

  /** Whether every heartbeat older than the window has been heard back. */
  get isLive(): boolean {
    return this.live;
  }

  /** Starts beating; the bus counts as live from now. */
  start(): void {
    this.stop();
    this.oldestUnanswered = undefined;
    this.live = true;
    const { windowMs } = this.options;
    this.timer = setInterval(() => this.tick(), Math.max(5, Math.floor(windowMs / 4)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** An own message sent at `sentAt` (sender clock) came back: every message sent before it was delivered. */
  heard(sentAt: number): void {
    if (typeof sentAt !== 'number') return;
    if (this.oldestUnanswered !== undefined && sentAt >= this.oldestUnanswered)
      this.oldestUnanswered = undefined;
    if (!this.live && this.oldestUnanswered === undefined) this.change(true);
  }

  /**
   * Beats, then judges once pending socket reads have run (`setImmediate` runs after the poll phase), so an
   * echo already received but not yet read does not count as missing.
   */
  private tick(): void {
    if (!this.options.running()) return;
    this.oldestUnanswered ??= Date.now();
    this.options.beat();
    setImmediate(() => {
      const oldest = this.oldestUnanswered;
      if (!this.live || oldest === undefined || !this.options.running()) return;
      if (Date.now() - oldest <= this.options.windowMs) return;
      this.silences++;
      this.change(false);
    });
  }

  private change(live: boolean): void {
    this.live = live;
    this.options.onChange(live);
  }
}
