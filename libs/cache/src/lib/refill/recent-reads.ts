/**
 * The cache keys this instance read lately (one entry per key, oldest dropped first past `maxKeys`). What
 * the refill after a write asks: a key nobody read within `windowMs` is left evicted, so a write to a cold
 * key costs no extra Postgres read. Recording is a map delete and set, cheap beside the read it counts.
 */
export class RecentReads {
  private readonly readAt = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  /** Notes a read of `key` now. */
  record(key: string): void {
    // Re-inserted so the map stays oldest-first and the cap drops the key read longest ago.
    this.readAt.delete(key);
    this.readAt.set(key, Date.now());
    if (this.readAt.size > this.maxKeys) this.readAt.delete(this.readAt.keys().next().value as string);
  }

  /** Whether `key` was read within the window. */
  wasRead(key: string): boolean {
    const at = this.readAt.get(key);
    return at !== undefined && Date.now() - at <= this.windowMs;
  }
}
