import { InvalidOptionError, InvalidTtlError } from '../core/errors';
import { type L1Node, QUEUE_REMOVED } from './access-list';
import { defaultClock } from './coarse-clock';
import type { L1RemovalReason, L1Store, L1StoreOptions } from './l1-store';

/** Options of the in-memory stores: the L1 contract plus a seed, so tests and benchmarks are reproducible. */
export interface MemoryStoreOptions extends L1StoreOptions {
  /**
   * Seed of the key hash used by the frequency sketch and of the admission jitter (`'tinylfu'` only).
   * Random by default so a client cannot craft colliding keys; fix it for reproducible runs.
   */
  seed?: number;
}

/**
 * What both policies share: the key → node map, byte accounting, expiry, deletes and removal notifications.
 * Subclasses own the access-order lists and decide what to evict. Removal listeners run after the store is
 * consistent again; one that throws does not stop the others, and the first error is rethrown.
 */
export abstract class BaseMemoryStore<V> implements L1Store<V> {
  /** Every stored entry, expired ones included until they are reclaimed. */
  protected readonly map = new Map<string, L1Node<V>>();
  /** Sum of `bytes` of every entry in {@link map}. */
  protected weight = 0;
  /** Upper bound of {@link weight}. */
  protected readonly maxBytes: number;
  /** Largest entry accepted. */
  protected readonly maxEntryBytes: number;
  /** The store's clock: `options.now`, else the shared {@link defaultClock} (`Date.now` cached per timer tick). */
  protected readonly clock: () => number;
  private readonly listener: ((key: string, reason: L1RemovalReason) => void) | undefined;
  private pendingKeys: string[] = [];
  private pendingReasons: L1RemovalReason[] = [];

  protected constructor(options: MemoryStoreOptions) {
    this.maxBytes = options.maxBytes;
    this.maxEntryBytes = options.maxEntryBytes;
    this.clock = options.now ?? defaultClock.now;
    this.listener = options.onRemove;
  }

  /** Number of entries (expired entries count until they are read, evicted or purged). */
  get size(): number {
    return this.map.size;
  }

  /** Sum of the sizes given on `set` of the entries counted by {@link size}. */
  get bytes(): number {
    return this.weight;
  }

  /** Returns the live value and records the access with the eviction policy. */
  abstract get(key: string): V | undefined;

  /**
   * The node holding `key` while it is live, without counting an access: a handle a caller may keep to read the
   * entry again without hashing its key (see `NamespacedCache.peek`). The handle stays valid exactly as long
   * as `node.queue !== QUEUE_REMOVED`: a removal of any kind (delete, eviction, expiry, clear) marks it, an
   * overwrite updates the same node in place, and a later `set` of a removed key makes a new node.
   */
  node(key: string): L1Node<V> | undefined {
    const node = this.map.get(key);
    return node !== undefined && node.expiresAt > this.clock() ? node : undefined;
  }

  /** Records a read of `node` (from {@link node}, still in the store) with the eviction policy. */
  abstract touch(node: L1Node<V>): void;

  /** Returns the live value without touching the eviction policy (an expired entry is still removed). */
  peek(key: string): V | undefined {
    const node = this.map.get(key);
    if (node === undefined) return undefined;
    if (node.expiresAt <= this.clock()) {
      this.expireOnRead(node);
      return undefined;
    }
    return node.value;
  }

  /**
   * Stores `value`. Returns `false`, removes the previous value and reports `onRemove(key, 'rejected')` when
   * `bytes > maxEntryBytes` or the admission policy refuses the entry; a `ttlMs ≤ 0` is an entry already
   * expired (`'expired'`). `ttlMs` may be `Infinity`. Throws {@link InvalidOptionError} for a negative or
   * non-finite `bytes` and {@link InvalidTtlError} for a NaN `ttlMs`, leaving the store unchanged.
   */
  set(key: string, value: V, bytes: number, ttlMs: number): boolean {
    if (!(bytes >= 0 && bytes < Infinity)) {
      throw new InvalidOptionError(`L1 entry size must be a finite number ≥ 0, got ${bytes}`);
    }
    if (Number.isNaN(ttlMs)) throw new InvalidTtlError(`L1 TTL of "${key}" is NaN`);
    const existing = this.map.get(key);
    if (bytes > this.maxEntryBytes || !(ttlMs > 0)) {
      if (existing !== undefined) this.detach(existing);
      this.notify(key, bytes > this.maxEntryBytes ? 'rejected' : 'expired');
      return false;
    }
    const now = this.clock();
    // A reader's "found fresh at this tick" was about the old value.
    if (existing !== undefined) {
      existing.freshTick = 0;
      existing.freshRead = undefined;
    }
    const stored =
      existing === undefined
        ? this.insert(key, value, bytes, now + ttlMs, now)
        : this.update(existing, value, bytes, now + ttlMs, now);
    if (this.pendingKeys.length > 0) this.flush();
    return stored;
  }

  /** Removes a key; `true` only when it was present and live. Does not call `onRemove`. */
  delete(key: string): boolean {
    const node = this.map.get(key);
    if (node === undefined) return false;
    const live = node.expiresAt > this.clock();
    this.detach(node);
    return live;
  }

  /** Removes every key starting with `prefix` (O(entries)); returns how many of them were live. */
  deleteByPrefix(prefix: string): number {
    const now = this.clock();
    let live = 0;
    for (const node of this.map.values()) {
      if (!node.key.startsWith(prefix)) continue;
      if (node.expiresAt > now) live++;
      this.detach(node);
    }
    return live;
  }

  /** Removes everything without calling `onRemove`. */
  clear(): void {
    for (const node of this.map.values()) {
      node.queue = QUEUE_REMOVED;
      node.value = undefined as V;
      node.freshRead = undefined;
    }
    this.map.clear();
    this.weight = 0;
    this.resetQueues();
  }

  /** Iterates the keys of live entries, in no particular order. */
  *keys(): IterableIterator<string> {
    const now = this.clock();
    for (const node of this.map.values()) if (node.expiresAt > now) yield node.key;
  }

  /**
   * Removes every expired entry now (O(entries)), reporting `'expired'`; returns how many. Optional: expired
   * entries are otherwise reclaimed when read or when they reach the eviction point.
   */
  purgeExpired(): number {
    const now = this.clock();
    let count = 0;
    for (const node of this.map.values()) {
      if (node.expiresAt <= now) {
        this.evict(node, 'expired');
        count++;
      }
    }
    if (this.pendingKeys.length > 0) this.flush();
    return count;
  }

  /** Adds a new entry under the policy; `false` when the policy refused it. */
  protected abstract insert(key: string, value: V, bytes: number, expiresAt: number, now: number): boolean;

  /** Replaces the value of a present entry; `false` when the policy then evicted it. */
  protected abstract update(
    node: L1Node<V>,
    value: V,
    bytes: number,
    expiresAt: number,
    now: number,
  ): boolean;

  /** Takes the node out of its policy list and that list's byte count. */
  protected abstract unlinkFromPolicy(node: L1Node<V>): void;

  /** Empties the policy lists. */
  protected abstract resetQueues(): void;

  /** Removes a node from the map, its list and the byte count, without notifying. */
  protected detach(node: L1Node<V>): void {
    this.map.delete(node.key);
    this.unlinkFromPolicy(node);
    this.weight -= node.bytes;
    node.queue = QUEUE_REMOVED;
    // A caller may still hold the node as a handle (see `node()`): it must not keep the value alive outside
    // the byte budget.
    node.value = undefined as V;
    node.freshRead = undefined;
  }

  /** Removes a node and queues its notification (delivered by {@link flush}, once the store is consistent). */
  protected evict(node: L1Node<V>, reason: L1RemovalReason): void {
    this.detach(node);
    if (this.listener !== undefined) {
      this.pendingKeys.push(node.key);
      this.pendingReasons.push(reason);
    }
  }

  /** Drops an entry found expired by a read and reports it. */
  protected expireOnRead(node: L1Node<V>): void {
    this.detach(node);
    this.notify(node.key, 'expired');
  }

  private notify(key: string, reason: L1RemovalReason): void {
    if (this.listener !== undefined) this.listener(key, reason);
  }

  /** Delivers queued notifications; a listener may safely call back into the store. */
  private flush(): void {
    const keys = this.pendingKeys;
    const reasons = this.pendingReasons;
    this.pendingKeys = [];
    this.pendingReasons = [];
    const listener = this.listener;
    if (listener === undefined) return;
    let failure: { error: unknown } | undefined;
    for (let i = 0; i < keys.length; i++) {
      try {
        listener(keys[i], reasons[i]);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}
