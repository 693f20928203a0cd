/** Longest a read is noted late: a key read again within this of its last note is not moved. */
const NOTE_EVERY_MS = 1000;

/**
 * The cache keys this instance read lately (one entry per key, oldest dropped first past `maxKeys`). What
 * the refill after a write asks: a key nobody read within `windowMs` is left evicted, so a write to a cold
 * key costs no extra Postgres read. A read is noted by moving the key to the map's end (a delete and a set),
 * at most once a second per key: a hot key is read thousands of times a second, and moving it on each read
 * cost 2.5 µs of a 100 µs cached request (bench:http's profile). So a read counts for up to one second
 * more than the window, and a key read again within a second of its note can be dropped by the cap as if
 * read then, once `maxKeys` newer keys were read in that second.
 */
export class RecentReads {
  private readonly readAt = new Map<string, number>();
  private readonly noteEveryMs: number;

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {
    this.noteEveryMs = Math.min(NOTE_EVERY_MS, windowMs);
  }

  /** Notes a read of `key` now. */
  record(key: string): void {
    const now = Date.now();
    const at = this.readAt.get(key);
    if (at !== undefined && now - at < this.noteEveryMs) return;
    // Re-inserted so the map stays oldest-first and the cap drops the key read longest ago.
    if (at !== undefined) this.readAt.delete(key);
    this.readAt.set(key, now);
    if (this.readAt.size > this.maxKeys) this.readAt.delete(this.readAt.keys().next().value as string);
  }

  /**
   * Notes a read answered before the handler ran (`CacheEntryRoute`'s `reads`): keys here are full keys,
   * `<namespace>:<key>`.
   */
  noteRead(namespace: string, key: string): void {
    this.record(`${namespace}:${key}`);
  }

  /** Whether `key` was read within the window (noted at most a second late). */
  wasRead(key: string): boolean {
    const at = this.readAt.get(key);
    return at !== undefined && Date.now() - at <= this.windowMs + this.noteEveryMs;
  }
}
