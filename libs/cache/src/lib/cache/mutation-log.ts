/** Per-key marks kept at most; past it, a change counts as a bulk change (safe: it only skips more backfills). */
const MAX_MARKED_KEYS = 100_000;

/**
 * Mutation bookkeeping that keeps a read from caching an older value after a newer write or an invalidation
 * landed while it was in flight: an L2 read backfilling L1, or a loader storing what it read from the source.
 * A read notes the sequence number when it starts; a change to its key (or a bulk change) after that point
 * makes its value stale. Per-key marks are kept only while reads are in flight, so the map is empty whenever
 * the cache is idle, and bounded while a slow loader keeps a read open.
 */
export class MutationLog {
  private seq = 0;
  private bulkSeq = 0;
  private readsInFlight = 0;
  private readonly mutatedAt = new Map<string, number>();

  /** Marks the start of an L2 read; returns the mark to pass to {@link changedSince}. */
  beginRead(): number {
    this.readsInFlight++;
    return this.seq;
  }

  /** Marks the end of an L2 read. */
  endRead(): void {
    if (--this.readsInFlight === 0) this.mutatedAt.clear();
  }

  /** Records a local or remote change of `full`, or of many keys at once when `full` is `undefined`. */
  mutated(full: string | undefined): void {
    this.seq++;
    if (full === undefined) this.bulkSeq = this.seq;
    else if (this.readsInFlight > 0) {
      if (this.mutatedAt.size >= MAX_MARKED_KEYS) {
        this.mutatedAt.clear();
        this.bulkSeq = this.seq;
      } else this.mutatedAt.set(full, this.seq);
    }
  }

  /** Whether `full` (or everything) changed after the read that began at `mark`. */
  changedSince(full: string, mark: number): boolean {
    return this.bulkSeq > mark || (this.mutatedAt.get(full) ?? 0) > mark;
  }
}
