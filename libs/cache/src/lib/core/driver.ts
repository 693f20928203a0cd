/**
 * The contract every L2 driver (and the in-memory driver used as a stand-in) implements. Values are opaque
 * strings: the engine encodes entries once and the driver only moves bytes. Keys are full keys (prefix and
 * namespace already applied). Every method may reject; the engine wraps L2 calls in a timeout and a
 * circuit breaker, so drivers need not.
 */
export interface CacheDriver {
  /** A short name for logs and metrics, e.g. `'redis'`, `'redis-cluster'`, `'memory'`, `'legacy-store'`. */
  readonly name: string;
  /** Returns the raw value, or `undefined` when the key is absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Returns values in the order of `keys`; `undefined` where absent. Must work across Cluster slots. */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  /** Stores a value that expires after `ttlMs` (> 0). */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Stores many values; must work across Cluster slots. */
  setMany(entries: readonly DriverEntry[]): Promise<void>;
  /** Deletes a key; resolves `true` when it existed. */
  delete(key: string): Promise<boolean>;
  /** Deletes keys across slots; resolves how many existed. */
  deleteMany(keys: readonly string[]): Promise<number>;
  /**
   * Optional compare-and-delete: deletes each target's key only if its stored value starts with the target's
   * `head`, atomically per key (a value written over it in between is left alone; an empty `head` matches
   * nothing). Resolves, in the order of `targets`, whether each key was deleted. The engine's L2 repair uses
   * it so that it removes only its own fill, never a newer value another instance wrote since; a driver
   * without it gets an unconditional `deleteMany` there instead.
   */
  deleteIfHead?(targets: readonly HeadMatch[]): Promise<boolean[]>;
  /** Whether a key exists (and is not expired). */
  has(key: string): Promise<boolean>;
  /** Deletes every key starting with `prefix`, on every master of a Cluster; resolves how many. */
  deleteByPrefix(prefix: string): Promise<number>;
  /** Releases connections the driver owns (never a client it was given). */
  disconnect(): Promise<void>;
  /** Optional capabilities; the engine degrades gracefully without them. */
  readonly tags?: TagIndex;
  /** Optional distributed lease for cross-process stampede protection. */
  readonly leases?: LeaseProvider;
}

/** One entry of a batch write. */
export interface DriverEntry {
  readonly key: string;
  readonly value: string;
  readonly ttlMs: number;
}

/** A key and the opening its stored value must have for {@link CacheDriver.deleteIfHead} to delete it. */
export interface HeadMatch {
  readonly key: string;
  readonly head: string;
}

/** Keeps, per tag, the set of keys written with it, so a tag can be invalidated everywhere. */
export interface TagIndex {
  /** Records that `key` carries `tags`; the index lives at least `ttlMs`. */
  add(key: string, tags: readonly string[], ttlMs: number): Promise<void>;
  /** Returns the keys recorded for the tags and forgets the tags (the caller deletes the keys). */
  take(tags: readonly string[]): Promise<string[]>;
}

/** A lock with an owner token and an expiry, held in L2 so that several processes agree on one loader. */
export interface LeaseProvider {
  /** Tries once to take the lease; resolves `true` when this caller now holds it. */
  acquire(key: string, token: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease only if `token` still holds it. */
  release(key: string, token: string): Promise<void>;
  /** Whether anyone holds the lease now. */
  isHeld(key: string): Promise<boolean>;
}
