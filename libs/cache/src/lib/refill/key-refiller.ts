/**
 * Runs at most one refill per key at a time: a refill asked for while one runs is run once more after it
 * (the change that asked may have landed after the running one read the source), and any further asks fold
 * into that one. So a burst of writes to one hot key costs two reloads, not one per write. Never rejects: a
 * refill is an optimisation, a failed one leaves the key evicted and the next read loads it.
 */
export class KeyRefiller {
  /** Keys being refilled → whether another refill must follow. */
  private readonly running = new Map<string, boolean>();

  constructor(private readonly failed: (key: string, error: unknown) => void) {}

  /** Refills `key` with `reload` now, or once the refill under way finishes. */
  refill(key: string, reload: () => Promise<unknown>): void {
    if (this.running.has(key)) {
      this.running.set(key, true);
      return;
    }
    this.running.set(key, false);
    void this.run(key, reload);
  }

  /** Keys being refilled now (for tests and metrics). */
  get inFlight(): number {
    return this.running.size;
  }

  private async run(key: string, reload: () => Promise<unknown>): Promise<void> {
    for (;;) {
      try {
        await reload();
      } catch (error) {
        this.failed(key, error);
      }
      if (this.running.get(key) !== true) break;
      this.running.set(key, false);
    }
    this.running.delete(key);
  }
}
