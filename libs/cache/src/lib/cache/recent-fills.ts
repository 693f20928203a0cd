import type { InvalidationOp } from '../bus/bus';

/** How long after a fill's L2 write an invalidation from another instance still repairs it. */
const DEFAULT_WINDOW_MS = 2000;
/** Most fills remembered; the oldest go first. */
const DEFAULT_MAX_FILLS = 10_000;

interface Fill {
  readonly tags: readonly string[] | undefined;
  /** The opening of the value it wrote (its write id), or `undefined` when the entry carries none. */
  readonly head: string | undefined;
  /** When its L2 write finished; `Infinity` while in flight. */
  at: number;
}

/** A fill an invalidation may have raced: its key, and the opening of the value it wrote. */
export interface RecentFill {
  readonly key: string;
  readonly head: string | undefined;
}

/**
 * The loader fills this process wrote to L2 lately (or is writing), so an invalidation that reaches it over the
 * bus can undo a fill that raced it. The race: another instance deletes a key from L2 and publishes; this
 * process's load had read the source before the change, and its SET reaches Redis after that DELETE but before
 * the bus message reaches this process, so the {@link MutationLog} check saw nothing. Without a repair, L2
 * would hold the old value for its whole TTL and every instance would read it back. Deleting the key again
 * when the message arrives costs one extra load at worst.
 *
 * The repair deletes the key only while L2 still holds this fill (its `head`, the write id at the start of the
 * stored entry): by the time the message arrives, the other instance may already have stored the new value
 * (a refill right after its eviction), and an unconditional delete would throw that correct value away.
 */
export class RecentFills {
  private readonly fills = new Map<string, Fill>();

  constructor(
    private readonly windowMs = DEFAULT_WINDOW_MS,
    private readonly maxFills = DEFAULT_MAX_FILLS,
  ) {}

  /** A fill of `full` (whose stored value starts with `head`) starts writing to L2. */
  begin(full: string, tags: readonly string[] | undefined, head?: string): void {
    this.fills.delete(full);
    this.fills.set(full, { tags, head, at: Number.POSITIVE_INFINITY });
    if (this.fills.size > this.maxFills) this.fills.delete(this.fills.keys().next().value as string);
  }

  /** The fill of `full` finished writing to L2. */
  end(full: string): void {
    const fill = this.fills.get(full);
    if (fill !== undefined) fill.at = Date.now();
  }

  /**
   * The recent fills that `op` invalidates: the keys whose L2 copy may predate it, each with the head of the
   * value this process wrote there (`undefined`: the fill carried no write id).
   */
  matching(op: InvalidationOp): RecentFill[] {
    this.prune();
    if (this.fills.size === 0) return [];
    switch (op.type) {
      case 'keys': {
        const out: RecentFill[] = [];
        for (const full of op.keys) {
          const fill = this.fills.get(full);
          if (fill !== undefined) out.push({ key: full, head: fill.head });
        }
        return out;
      }
      case 'tags': {
        const tags = new Set(op.tags);
        return this.select((fill) => fill.tags?.some((tag) => tags.has(tag)) === true);
      }
      case 'prefix':
        return this.select((_, full) => full.startsWith(op.prefix));
      case 'all':
        return this.select(() => true);
    }
  }

  private select(predicate: (fill: Fill, full: string) => boolean): RecentFill[] {
    const out: RecentFill[] = [];
    for (const [full, fill] of this.fills)
      if (predicate(fill, full)) out.push({ key: full, head: fill.head });
    return out;
  }

  /** Drops the fills older than the window (oldest first; fills still in flight stay). */
  private prune(): void {
    const oldest = Date.now() - this.windowMs;
    for (const [full, fill] of this.fills) {
      if (fill.at === Number.POSITIVE_INFINITY) continue;
      if (fill.at >= oldest) break;
      this.fills.delete(full);
    }
  }
}
