import {
  createHead,
  firstOf,
  L1Node,
  linkLast,
  moveToLast,
  nextOf,
  QUEUE_PROBATION,
  QUEUE_PROTECTED,
  QUEUE_REMOVED,
  QUEUE_WINDOW,
  resetHead,
  unlink,
} from './access-list';
import { BaseMemoryStore, type MemoryStoreOptions } from './base-memory.store';
import { FrequencySketch, hashString } from './frequency-sketch';

// The hit path's imports, held in module-local bindings: tsx (esbuild), which runs the benchmarks, compiles an
// imported name to a getter call per use (~9 % of the samples of a `peek` loop under `--cpu-prof`).
const PROTECTED = QUEUE_PROTECTED;
const WINDOW = QUEUE_WINDOW;
const toTail = moveToLast;

/** Share of `maxBytes` given to the admission window (Caffeine's initial 1 %). */
export const WINDOW_SHARE = 0.01;
/** Share of the main area given to the protected segment (Caffeine's 80 %). */
export const PROTECTED_SHARE = 0.8;
/**
 * A read of an entry already among the most recent 1/2^RECENT_SHIFT of its (window or protected) list leaves
 * it where it is (see {@link TinyLfuMemoryStore.onAccess}).
 */
const RECENT_SHIFT = 3;
/** A losing candidate at least this frequent is still admitted with probability 1/128 (hash-flooding defence). */
const ADMIT_HASHDOS_THRESHOLD = 6;

/**
 * W-TinyLFU bounded by bytes, after Caffeine (static window, without the hill climber):
 *
 * - New entries enter an LRU admission window of ~1 % of `maxBytes`.
 * - Entries pushed out of the window become candidates at the tail of the main area's probation segment.
 * - While the store is over `maxBytes`, the candidate competes with the probation victim (its LRU entry): the
 *   one with the lower estimated frequency in the {@link FrequencySketch} goes (ties evict the candidate; a
 *   warm candidate wins a tie 1/128 of the time). As weights are bytes, one candidate may evict several
 *   victims; when the probation is exhausted the protected segment then the window supply victims, so the
 *   bound always holds. Expired entries met on the way go first, without a contest.
 * - A probation hit is promoted to the protected segment (~80 % of the main area), whose overflow is demoted
 *   back to the probation tail.
 *
 * The sketch is sized adaptively to the number of entries (bytes say nothing about the entry count).
 */
export class TinyLfuMemoryStore<V> extends BaseMemoryStore<V> {
  private readonly window = createHead<V>();
  private readonly probation = createHead<V>();
  private readonly protectedHead = createHead<V>();
  private windowBytes = 0;
  private protectedBytes = 0;
  /** Entries in the window and protected lists. */
  private windowCount = 0;
  private protectedCount = 0;
  /** Links at the tail of the window and protected lists so far (see `L1Node.linkedAt`). */
  private windowLinks = 0;
  private protectedLinks = 0;
  private readonly windowMax: number;
  private readonly protectedMax: number;
  private sketch = new FrequencySketch();
  private readonly seed: number;
  private random: number;

  constructor(options: MemoryStoreOptions) {
    super(options);
    this.windowMax = Math.floor(options.maxBytes * WINDOW_SHARE);
    this.protectedMax = Math.floor((options.maxBytes - this.windowMax) * PROTECTED_SHARE);
    this.seed = (options.seed ?? Math.random() * 0x100000000) | 0;
    this.random = this.seed || 0x9e3779b9;
  }

  /** Returns the live value, counts the access in the sketch and reorders the entry in its segment. */
  get(key: string): V | undefined {
    const node = this.map.get(key);
    if (node === undefined) return undefined;
    const expiresAt = node.expiresAt;
    if (expiresAt !== Infinity && expiresAt <= this.clock()) {
      this.expireOnRead(node);
      return undefined;
    }
    this.count(node);
    this.onAccess(node);
    return node.value;
  }

  /** Counts a read of a live node in the sketch and reorders it in its segment, as {@link get} does. */
  touch(node: L1Node<V>): void {
    this.count(node);
    this.onAccess(node);
  }

  /** Estimated access frequency of a key, 0–15 (diagnostics and tests). */
  frequencyOf(key: string): number {
    const node = this.map.get(key);
    return this.sketch.frequency(node !== undefined ? node.hash : hashString(key, this.seed));
  }

  /** Bytes in the window, probation and protected segments (diagnostics and tests). */
  segmentBytes(): { window: number; probation: number; protected: number } {
    return {
      window: this.windowBytes,
      probation: this.weight - this.windowBytes - this.protectedBytes,
      protected: this.protectedBytes,
    };
  }

  /** Keys of a segment from its least to its most recently used end (diagnostics and tests). */
  segmentKeys(segment: 'window' | 'probation' | 'protected'): string[] {
    const head =
      segment === 'window' ? this.window : segment === 'probation' ? this.probation : this.protectedHead;
    const keys: string[] = [];
    for (let node = firstOf(head); node !== null; node = nextOf(node)) keys.push(node.key);
    return keys;
  }

  protected insert(key: string, value: V, bytes: number, expiresAt: number, now: number): boolean {
    const node = new L1Node(key, value, bytes, expiresAt, hashString(key, this.seed), QUEUE_WINDOW);
    this.map.set(key, node);
    linkLast(this.window, node);
    node.linkedAt = ++this.windowLinks;
    this.windowCount++;
    this.windowBytes += bytes;
    this.weight += bytes;
    if (this.map.size > this.sketch.capacity) this.growSketch();
    this.sketch.increment(node.hash);
    this.evictEntries(now);
    return node.queue !== QUEUE_REMOVED;
  }

  protected update(node: L1Node<V>, value: V, bytes: number, expiresAt: number, now: number): boolean {
    const diff = bytes - node.bytes;
    node.value = value;
    node.bytes = bytes;
    node.expiresAt = expiresAt;
    this.weight += diff;
    if (node.queue === QUEUE_WINDOW) this.windowBytes += diff;
    else if (node.queue === QUEUE_PROTECTED) this.protectedBytes += diff;
    this.count(node);
    this.onAccess(node);
    if (this.protectedBytes > this.protectedMax) this.demoteProtected();
    this.evictEntries(now);
    return node.queue !== QUEUE_REMOVED;
  }

  protected unlinkFromPolicy(node: L1Node<V>): void {
    unlink(node);
    if (node.queue === QUEUE_WINDOW) {
      this.windowBytes -= node.bytes;
      this.windowCount--;
    } else if (node.queue === QUEUE_PROTECTED) {
      this.protectedBytes -= node.bytes;
      this.protectedCount--;
    }
  }

  protected resetQueues(): void {
    resetHead(this.window);
    resetHead(this.probation);
    resetHead(this.protectedHead);
    this.windowBytes = 0;
    this.protectedBytes = 0;
    this.windowCount = 0;
    this.protectedCount = 0;
  }

  /**
   * Sizes the sketch for the current entry count (it starts small: bytes say nothing about how many entries
   * fit). A bigger table cannot reuse the old counters, so the residents' estimated frequencies are replayed
   * into it; without that, every growth during warm-up would wipe the history of the hottest entries. Growth
   * doubles, so the replay is amortized O(1) per insert.
   */
  private growSketch(): void {
    const old = this.sketch;
    const grown = new FrequencySketch(this.map.size);
    for (const node of this.map.values()) {
      for (let f = old.frequency(node.hash); f > 0; f--) grown.increment(node.hash);
    }
    this.sketch = grown;
  }

  /**
   * Counts an access in the sketch. A hot entry's counters sit at their maximum most of the time, where an
   * increment changes nothing but still costs the rehash and four table reads; once one finds them all
   * saturated the node remembers the sketch epoch, and further accesses skip the sketch until aging (or a
   * clear or growth) changes the epoch. The counts are exactly those of incrementing on every access.
   */
  private count(node: L1Node<V>): void {
    const sketch = this.sketch;
    const epoch = sketch.epoch;
    if (node.saturatedAt !== epoch && !sketch.increment(node.hash)) node.saturatedAt = epoch;
  }

  /**
   * Reorders an accessed entry: LRU within window and protected; probation hits are promoted. Moving an entry
   * writes to its two neighbours and the list tail, which are rarely in the CPU cache and cost about as much
   * as the lookup itself; an entry that is already among the most recent 1/8 of its list (it has been linked
   * at the tail fewer than count/8 links ago) is left where it is. The recency order is thus exact except
   * within the newest 1/8 of each list, far from the end that eviction and demotion take entries from (the
   * bounded loss Caffeine's dropped read-buffer entries also accept). Lists under 8 entries stay exact.
   */
  private onAccess(node: L1Node<V>): void {
    const queue = node.queue;
    if (queue === PROTECTED) {
      if (this.protectedLinks - node.linkedAt > this.protectedCount >>> RECENT_SHIFT) {
        toTail(this.protectedHead, node);
        node.linkedAt = ++this.protectedLinks;
      }
    } else if (queue === WINDOW) {
      if (this.windowLinks - node.linkedAt > this.windowCount >>> RECENT_SHIFT) {
        toTail(this.window, node);
        node.linkedAt = ++this.windowLinks;
      }
    } else {
      unlink(node);
      node.queue = QUEUE_PROTECTED;
      linkLast(this.protectedHead, node);
      node.linkedAt = ++this.protectedLinks;
      this.protectedCount++;
      this.protectedBytes += node.bytes;
      if (this.protectedBytes > this.protectedMax) this.demoteProtected();
    }
  }

  /** Moves the protected segment's LRU entries to the probation tail until it fits its share. */
  private demoteProtected(): void {
    while (this.protectedBytes > this.protectedMax) {
      const node = firstOf(this.protectedHead);
      if (node === null) break;
      unlink(node);
      this.protectedBytes -= node.bytes;
      this.protectedCount--;
      node.queue = QUEUE_PROBATION;
      linkLast(this.probation, node);
    }
  }

  private evictEntries(now: number): void {
    const candidate = this.windowBytes > this.windowMax ? this.evictFromWindow() : null;
    if (this.weight > this.maxBytes) this.evictFromMain(candidate, now);
  }

  /** Moves the window's LRU entries to the probation tail until it fits; returns the first one moved. */
  private evictFromWindow(): L1Node<V> | null {
    let first: L1Node<V> | null = null;
    while (this.windowBytes > this.windowMax) {
      const node = firstOf(this.window);
      if (node === null) break;
      unlink(node);
      this.windowBytes -= node.bytes;
      this.windowCount--;
      node.queue = QUEUE_PROBATION;
      linkLast(this.probation, node);
      first ??= node;
    }
    return first;
  }

  /**
   * Caffeine's `evictFromMain`, by bytes: candidates (entries just moved from the window, at the probation
   * tail, then the window itself) duel victims (from the probation head, then protected, then window) until
   * the store fits.
   */
  private evictFromMain(first: L1Node<V> | null, now: number): void {
    let candidate = first;
    let candidateFromWindow = false;
    let victimQueue = QUEUE_PROBATION;
    let victim = firstOf(this.probation);
    while (this.weight > this.maxBytes) {
      if (candidate === null && !candidateFromWindow) {
        candidate = firstOf(this.window);
        candidateFromWindow = true;
      }
      if (candidate === null && victim === null) {
        if (victimQueue === QUEUE_PROBATION) {
          victim = firstOf(this.protectedHead);
          victimQueue = QUEUE_PROTECTED;
          continue;
        }
        if (victimQueue === QUEUE_PROTECTED) {
          victim = firstOf(this.window);
          victimQueue = QUEUE_WINDOW;
          continue;
        }
        break; // nothing left: weight is 0
      }
      if (victim === null) {
        const evict = candidate as L1Node<V>;
        candidate = nextOf(evict);
        this.evict(evict, evict.expiresAt <= now ? 'expired' : 'evicted');
        continue;
      }
      if (candidate === null) {
        const evict = victim;
        victim = nextOf(evict);
        this.evict(evict, evict.expiresAt <= now ? 'expired' : 'evicted');
        continue;
      }
      if (candidate === victim) {
        victim = nextOf(victim);
        this.evict(candidate, candidate.expiresAt <= now ? 'expired' : 'evicted');
        candidate = null;
        continue;
      }
      if (victim.expiresAt <= now) {
        const evict = victim;
        victim = nextOf(evict);
        this.evict(evict, 'expired');
        continue;
      }
      if (candidate.expiresAt <= now) {
        const evict = candidate;
        candidate = nextOf(evict);
        this.evict(evict, 'expired');
        continue;
      }
      if (this.admit(candidate.hash, victim.hash)) {
        const evict = victim;
        victim = nextOf(evict);
        this.evict(evict, 'evicted');
        candidate = nextOf(candidate);
      } else {
        const evict = candidate;
        candidate = nextOf(evict);
        this.evict(evict, 'rejected');
      }
    }
  }

  /** TinyLFU admission: the candidate must be more frequent than the victim (or warm and lucky). */
  private admit(candidateHash: number, victimHash: number): boolean {
    const candidateFreq = this.sketch.frequency(candidateHash);
    const victimFreq = this.sketch.frequency(victimHash);
    if (candidateFreq > victimFreq) return true;
    if (candidateFreq < ADMIT_HASHDOS_THRESHOLD) return false;
    let x = this.random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.random = x;
    return (x & 127) === 0;
  }
}
