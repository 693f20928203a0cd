import type { StoredEntry } from '../core/codec';
import { estimateHeapBytes, L1_ENTRY_OVERHEAD_BYTES, stringBytes } from '../l1/heap-size';
import type { L1Store } from '../l1/l1-store';
import { L1TagIndex } from './tag-index';

/**
 * This process's L1 as the engine uses it: the store plus its tag index, kept in step. Every entry enters
 * through {@link L1Tier.keep} and leaves through one of the evictions here (or the store's own removals,
 * reported to {@link L1Tier.onRemoved}), so the index never points at a key L1 no longer holds.
 */
export class L1Tier {
  /**
   * `false` while the bus is silent (see `bus-liveness.ts`): another instance's invalidation may be held up or
   * lost, so no read serves an L1 entry as fresh. Entries are still kept (a loader whose source fails may
   * serve one within its grace), and all of L1 is dropped when the bus is heard again.
   */
  trusted = true;
  private readonly tags = new L1TagIndex();

  constructor(
    /** The store, or `undefined` when the cache runs without L1. */
    readonly store: L1Store<StoredEntry> | undefined,
  ) {}

  /**
   * The one way an entry enters L1, whether written here or read from L2: fresh for min(`l1Ms`, its remaining
   * L2 lifetime), kept past that only for its grace. The L1 TTL is what bounds staleness when an invalidation
   * message is lost, so a copy read from L2 must honour it as much as the writer's own copy. The entry is
   * weighed by {@link l1HeapBytes}, so the L1 budget bounds heap.
   */
  keep(full: string, entry: StoredEntry, l1Ms: number): void {
    const store = this.store;
    if (l1Ms <= 0 || store === undefined) return;
    const now = Date.now();
    const l1Entry: StoredEntry = entry.e - now > l1Ms ? { ...entry, e: now + l1Ms } : entry;
    const end = l1Entry.g !== undefined && l1Entry.g > l1Entry.e ? l1Entry.g : l1Entry.e;
    if (end <= now) return;
    this.tags.remove(full);
    if (store.set(full, l1Entry, l1HeapBytes(full, l1Entry), end - now) && l1Entry.t !== undefined)
      this.tags.add(full, l1Entry.t);
  }

  /** Removes a key; `true` when L1 held it live. */
  drop(full: string): boolean {
    this.tags.remove(full);
    return this.store?.delete(full) ?? false;
  }

  /** Removes every key carrying `tag`; returns how many were live. */
  dropTag(tag: string): number {
    let count = 0;
    for (const full of this.tags.take(tag)) if (this.drop(full)) count++;
    return count;
  }

  /** Removes every key starting with `prefix`; returns how many were live. */
  dropPrefix(prefix: string): number {
    this.tags.removePrefix(prefix);
    return this.store?.deleteByPrefix(prefix) ?? 0;
  }

  /** Removes everything. */
  clear(): void {
    this.store?.clear();
    this.tags.clear();
  }

  /** Called by the L1 store when it evicts or expires a key, so the tag index does not leak. */
  onRemoved(full: string): void {
    this.tags.remove(full);
  }
}

/**
 * What an entry costs L1 in heap, which is what the byte budget bounds: the value as objects (not its JSON
 * length: a ~1 KB JSON object plus its key and bookkeeping costs ~1.3 KB), the key, the tags, and the node,
 * map slot, envelope and sketch share every entry has.
 */
export function l1HeapBytes(full: string, entry: StoredEntry): number {
  const tags = entry.t === undefined ? 0 : estimateHeapBytes(entry.t, false);
  return L1_ENTRY_OVERHEAD_BYTES + stringBytes(full.length, false) + estimateHeapBytes(entry.v, false) + tags;
}
