import type { InvalidationOp } from '../bus/bus';

/** Per-key and per-tag marks kept at most; past it, a change counts as a bulk change (safe: it only skips more backfills). */
const MAX_MARKED = 100_000;
/** Prefix marks kept at most (each is checked against every settling read); past it, a bulk change. */
const MAX_MARKED_PREFIXES = 256;

/**
 * Mutation bookkeeping that keeps a read from caching an older value after a newer write or an invalidation
 * landed while it was in flight: an L2 read backfilling L1, or a loader storing what it read from the source.
 * A read notes the sequence number when it starts; a change to its key, to one of its tags, or to a prefix of
 * its key after that point makes its value stale. Only clearing everything (or overflowing the marks) counts
 * for every key: a steady stream of tag invalidations (each recorded call evicting its buyer's revenue
 * views) must not keep every other key's loads out of the cache.
 *
 * Marks are kept only while reads are in flight, so the maps are empty whenever the cache is idle, and
 * bounded while a slow loader keeps a read open.
 */
export class MutationLog {
  private seq = 0;
  private bulkSeq = 0;
  private readsInFlight = 0;
  private readonly keyAt = new Map<string, number>();
  private readonly tagAt = new Map<string, number>();
  private readonly prefixAt = new Map<string, number>();

  /** Marks the start of an L2 read; returns the mark to pass to {@link changedSince}. */
  beginRead(): number {
    this.readsInFlight++;
    return this.seq;
  }

  /** Marks the end of an L2 read. */
  endRead(): void {
    if (--this.readsInFlight === 0) {
      this.keyAt.clear();
      this.tagAt.clear();
      this.prefixAt.clear();
    }
  }

  /** Records a local or remote change of `full`, or of every key when `full` is `undefined`. */
  mutated(full: string | undefined): void {
    this.seq++;
    if (full === undefined) this.bulk();
    else this.mark(this.keyAt, full, MAX_MARKED);
  }

  /** Records the change an invalidation makes: its keys, every key carrying its tags, or under its prefix. */
  applied(op: InvalidationOp): void {
    this.seq++;
    switch (op.type) {
      case 'keys':
        for (const full of op.keys) this.mark(this.keyAt, full, MAX_MARKED);
        break;
      case 'tags':
        for (const tag of op.tags) this.mark(this.tagAt, tag, MAX_MARKED);
        break;
      case 'prefix':
        this.mark(this.prefixAt, op.prefix, MAX_MARKED_PREFIXES);
        break;
      case 'all':
        this.bulk();
        break;
    }
  }

  /** Whether `full` (stored with `tags`) changed after the read that began at `mark`. */
  changedSince(full: string, mark: number, tags?: readonly string[]): boolean {
    if (this.bulkSeq > mark || (this.keyAt.get(full) ?? 0) > mark) return true;
    if (tags !== undefined) for (const tag of tags) if ((this.tagAt.get(tag) ?? 0) > mark) return true;
    for (const [prefix, at] of this.prefixAt) if (at > mark && full.startsWith(prefix)) return true;
    return false;
  }

  private mark(marks: Map<string, number>, name: string, max: number): void {
    if (this.readsInFlight === 0) return;
    if (marks.size >= max && !marks.has(name)) this.bulk();
    else marks.set(name, this.seq);
  }

  private bulk(): void {
    this.bulkSeq = this.seq;
    this.keyAt.clear();
    this.tagAt.clear();
    this.prefixAt.clear();
  }
}
