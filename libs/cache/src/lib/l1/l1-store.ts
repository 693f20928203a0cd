import type { L1Node } from './access-list';

/** Why an entry left L1, as reported to the eviction listener. */
export type L1RemovalReason = 'evicted' | 'expired' | 'rejected';

/** Tunables of the in-process store. */
export interface L1StoreOptions {
  /** Upper bound of the summed entry sizes, in bytes. */
  maxBytes: number;
  /** Entries bigger than this are never stored. */
  maxEntryBytes: number;
  /** `'tinylfu'` (W-TinyLFU admission, as Caffeine) or `'lru'`. */
  policy: 'tinylfu' | 'lru';
  /** Called when an entry leaves because of capacity or expiry (not on explicit delete). */
  onRemove?: (key: string, reason: L1RemovalReason) => void;
  /** Clock, for tests. Defaults to `Date.now`. */
  now?: () => number;
}

/**
 * The in-process tier: synchronous, bounded by bytes, with an expiry per entry. Values are stored by
 * reference (treat them as immutable).
 */
export interface L1Store<V = unknown> {
  /** Returns the value if present and not expired (expired entries are removed on read). Counts as an access. */
  get(key: string): V | undefined;
  /** Like `get` but does not count as an access for the eviction policy. */
  peek(key: string): V | undefined;
  /**
   * The live node of `key` as a handle to read it again without a lookup; valid while
   * `queue !== QUEUE_REMOVED` (see `BaseMemoryStore.node`). Does not count as an access.
   */
  node(key: string): L1Node<V> | undefined;
  /** Counts a read of a node obtained from {@link node} (still in the store) with the eviction policy. */
  touch(node: L1Node<V>): void;
  /**
   * Stores `value` with a size in bytes and a time to live in ms. Returns `false` when not stored (too big, or
   * refused by the admission policy); a previous value for the key is removed in that case.
   */
  set(key: string, value: V, bytes: number, ttlMs: number): boolean;
  /** Removes a key; `true` when it was present. */
  delete(key: string): boolean;
  /** Removes every key starting with `prefix`; returns how many. */
  deleteByPrefix(prefix: string): number;
  /** Removes everything. */
  clear(): void;
  /** Iterates live keys (for diagnostics and prefix deletes). */
  keys(): IterableIterator<string>;
  /** Number of entries. */
  readonly size: number;
  /** Sum of entry sizes in bytes. */
  readonly bytes: number;
}
