import type { GetOrSetRequest } from './loader';
import { assertKey, assertNamespace, assertTags } from '../core/keys';
import { InvalidOptionError, LoaderFailedError, UnsupportedOperationError } from '../core/errors';
import type {
  Cache,
  EntryPolicy,
  GetOrSetOptions,
  LoaderContext,
  SetManyEntry,
  SetOptions,
} from './cache.types';
import { MISS as IMPORTED_MISS, type CacheCore } from './cache-core';
import type { StoredEntry } from '../core/codec';
import type { L1Node } from '../l1/access-list';
import { resolvePolicy, type ResolvedPolicy } from './policy';

/** Held locally: tsx (esbuild), which runs the benchmarks, turns each use of an import into a getter call. */
const MISS = IMPORTED_MISS;

/** How many key → L1 node handles a namespace remembers for `peek`. */
const PEEK_HANDLES_MAX = 16_384;

/**
 * The typed, namespaced face of the cache. It validates input, applies the namespace's defaults and hands
 * full keys to the shared {@link CacheCore}.
 */
export class NamespacedCache<T = unknown> implements Cache<T> {
  /** Prefix of every key in this namespace (global prefix + namespace + ':'). */
  protected readonly keyPrefix: string;
  /** key → L1 node of recent `peek` hits (see {@link peek}). */
  private readonly peekHandles = new Map<string, L1Node<StoredEntry>>();

  constructor(
    protected readonly core: CacheCore,
    readonly name: string,
    protected readonly policy: ResolvedPolicy,
    private readonly namespaceDefaults: (name: string) => EntryPolicy | undefined,
  ) {
    this.keyPrefix = name === '' ? core.prefix : `${core.prefix}${name}:`;
  }

  /** @inheritdoc */
  get(key: string): Promise<T | undefined> {
    // Hot path: a valid key that L1 holds resolves without entering an async function.
    if (typeof key === 'string' && key.length > 0) {
      const full = this.fullKey(key);
      if (full.length <= this.core.maxKeyLength) {
        if (!this.core.enabled) return Promise.resolve(undefined);
        const value = this.core.reads.l1Fresh(full, this.name);
        if (value !== MISS) return Promise.resolve(value as T);
        return this.core.reads.getAfterL1Miss<T>(full, this.name, this.policy.l1Ms);
      }
    }
    try {
      this.full(key); // throws the typed error that explains what is wrong with the key
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve(undefined);
  }

  /** @inheritdoc */
  peek(key: string): T | undefined {
    return this.peekL1(key, true);
  }

  /**
   * `peek` for a caller that reads through with `getOrSet` when it misses (the HTTP cache's hit path, the
   * early answers of `HttpCacheFastPath`): a miss here is not counted, so the L1 hit ratio counts each
   * request once.
   */
  peekBeforeLoad(key: string): T | undefined {
    return this.peekL1(key, false);
  }

  /**
   * `peek`, optionally without counting a miss (see {@link ReadPath.peek}). Hot path: the L1 node this key was
   * last read from, if it is still L1's (see ReadPath.peekHandle). One lookup by the caller's key string, whose
   * hash V8 keeps, instead of building and hashing the full key.
   */
  protected peekL1(key: string, countMiss: boolean): T | undefined {
    const handle = this.peekHandles.get(key);
    if (handle !== undefined && this.core.enabled) {
      const value = this.core.reads.peekHandle(handle, this.name);
      if (value !== MISS) return value as T;
    }
    return this.peekSlow(key, handle, countMiss);
  }

  /** `peek` without a usable handle: validates the key, reads L1 and remembers the node it read. */
  private peekSlow(key: string, handle: L1Node<StoredEntry> | undefined, countMiss: boolean): T | undefined {
    if (typeof key === 'string' && key.length > 0) {
      // A removed node still names its full key, the very string L1 hashed.
      const full = handle !== undefined ? handle.key : this.fullKey(key);
      if (full.length <= this.core.maxKeyLength) {
        if (!this.core.enabled) return undefined;
        const value = this.core.reads.peek(full, this.name, countMiss) as T | undefined;
        if (value !== undefined) this.rememberHandle(key, full);
        return value;
      }
    }
    this.full(key); // throws the typed error that explains what is wrong with the key
    return undefined;
  }

  /**
   * Keeps the L1 node of a key just peeked. Bounded: forgotten all at once at {@link PEEK_HANDLES_MAX} keys. A
   * removed node's value is dropped by L1, so a stale handle holds only its key, never a value outside L1.
   */
  private rememberHandle(key: string, full: string): void {
    const node = this.core.reads.peekNode(full);
    if (node === undefined) return;
    if (this.peekHandles.size >= PEEK_HANDLES_MAX && !this.peekHandles.has(key)) this.peekHandles.clear();
    this.peekHandles.set(key, node);
  }

  /** @inheritdoc */
  async getMany(keys: readonly string[]): Promise<(T | undefined)[]> {
    if (!Array.isArray(keys)) throw new InvalidOptionError('keys: expected an array of strings');
    const fulls = keys.map((key) => this.full(key));
    if (!this.core.enabled) return fulls.map(() => undefined);
    return this.core.reads.getMany<T>(fulls, this.name, this.policy.l1Ms);
  }

  /** @inheritdoc */
  async set(key: string, value: T, options?: SetOptions): Promise<void> {
    const full = this.full(key);
    this.core.assertOpen();
    const tags = this.tags(options?.tags);
    // Cache off: what was stored under the key is now older than the caller's value, so nobody may keep it.
    if (!this.core.enabled) return void (await this.core.writes.deleteMany([full]));
    await this.core.writes.write(
      [this.core.writes.prepare(full, value, resolvePolicy(this.policy, options), tags)],
      true,
    );
  }

  /** @inheritdoc */
  async setMany(entries: readonly SetManyEntry<T>[], options?: SetOptions): Promise<void> {
    if (!Array.isArray(entries)) throw new InvalidOptionError('entries: expected an array of { key, value }');
    this.core.assertOpen();
    const base = resolvePolicy(this.policy, options);
    // Validate and encode everything first, so a bad entry leaves the cache untouched.
    const prepared = entries.map((entry, i) => {
      if (entry === null || typeof entry !== 'object')
        throw new InvalidOptionError(`entries[${i}]: expected { key, value }`);
      const own = entry.options;
      return this.core.writes.prepare(
        this.full(entry.key),
        entry.value,
        resolvePolicy(base, own),
        this.tags(own?.tags ?? options?.tags),
      );
    });
    if (prepared.length === 0) return;
    if (!this.core.enabled) return void (await this.core.writes.deleteMany(prepared.map((p) => p.full)));
    await this.core.writes.write(prepared, true);
  }

  /** @inheritdoc */
  async delete(key: string): Promise<boolean> {
    this.core.assertOpen();
    return (await this.core.writes.deleteMany([this.full(key)])) > 0;
  }

  /** @inheritdoc */
  async deleteMany(keys: readonly string[]): Promise<number> {
    if (!Array.isArray(keys)) throw new InvalidOptionError('keys: expected an array of strings');
    this.core.assertOpen();
    const fulls = keys.map((key) => this.full(key));
    return fulls.length === 0 ? 0 : this.core.writes.deleteMany(fulls);
  }

  /** @inheritdoc */
  async has(key: string): Promise<boolean> {
    return (await this.ttl(key)) !== undefined;
  }

  /** @inheritdoc */
  async ttl(key: string): Promise<number | undefined> {
    const full = this.full(key);
    return this.core.enabled ? this.core.reads.remaining(full, this.policy.l1Ms) : undefined;
  }

  /** @inheritdoc */
  getOrSet(
    key: string,
    loader: (ctx: LoaderContext<T>) => Promise<T> | T,
    options?: GetOrSetOptions,
  ): Promise<T> {
    return this.load(key, loader, options, options?.lease !== false, false);
  }

  /** @inheritdoc */
  refresh(
    key: string,
    loader: (ctx: LoaderContext<T>) => Promise<T> | T,
    options?: GetOrSetOptions,
  ): Promise<T> {
    return this.load(key, loader, options, false, true);
  }

  /**
   * What `getOrSet` and `refresh` share: validation (a rejection, never a throw), the call's policy, and the
   * cache-off switch; then the loader's `getOrSet`, or its `reload` for `refresh`. The request is built in one
   * literal: a spread of a shared one into a second object cost more than the L1 hit it leads to.
   */
  private load(
    key: string,
    loader: (ctx: LoaderContext<T>) => Promise<T> | T,
    options: GetOrSetOptions | undefined,
    useLease: boolean,
    reload: boolean,
  ): Promise<T> {
    try {
      const full = this.full(key);
      this.core.assertOpen();
      if (typeof loader !== 'function') throw new InvalidOptionError('loader: expected a function');
      const policy = options === undefined ? this.policy : resolvePolicy(this.policy, options);
      if (!this.core.enabled) return this.loadUncached(full, key, loader);
      const req: GetOrSetRequest<T> = {
        full,
        key,
        ns: this.name,
        loader,
        policy,
        tags: this.tags(options?.tags),
        useLease,
      };
      return reload ? this.core.loader.reload<T>(req) : this.core.loader.getOrSet<T>(req);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @inheritdoc */
  async invalidateTags(tags: readonly string[]): Promise<number> {
    assertTags(tags);
    this.core.assertOpen();
    if (tags.length === 0) return 0;
    return this.core.writes.invalidateTags(tags.map((tag) => this.keyPrefix + tag));
  }

  /** @inheritdoc */
  async clear(namespace?: string): Promise<number> {
    this.core.assertOpen();
    if (namespace !== undefined) {
      assertNamespace(namespace);
      return this.core.writes.clearPrefix(`${this.keyPrefix}${namespace}:`);
    }
    if (this.keyPrefix === '') {
      throw new InvalidOptionError(
        'clear(): the root cache has no prefix, so clearing it would delete every key in Redis; pass a namespace or set `prefix`',
      );
    }
    return this.core.writes.clearPrefix(this.keyPrefix);
  }

  /** @inheritdoc */
  namespace<U = T>(name: string, defaults?: EntryPolicy): Cache<U> {
    assertNamespace(name);
    const path = this.name === '' ? name : `${this.name}:${name}`;
    const configured = resolvePolicy(this.policy, this.namespaceDefaults(path));
    return new NamespacedCache<U>(
      this.core,
      path,
      resolvePolicy(configured, defaults),
      this.namespaceDefaults,
    );
  }

  /**
   * `getOrSet` with the cache off: the loader runs for this call alone and its value is not stored. Its failure
   * rejects as it would with the cache on (`E_CACHE_LOADER_FAILED`, the loader's error as `cause`).
   */
  private async loadUncached<U>(
    full: string,
    key: string,
    loader: (ctx: LoaderContext<U>) => Promise<U> | U,
  ): Promise<U> {
    try {
      return await loader({ key, signal: new AbortController().signal, stale: undefined });
    } catch (error) {
      throw new LoaderFailedError(full, error);
    }
  }

  /** Full key for `key`: global prefix + namespace + ':' + key. */
  private fullKey(key: string): string {
    return this.keyPrefix === '' ? key : this.keyPrefix + key;
  }

  private full(key: string): string {
    if (typeof key !== 'string') assertKey(key, 0, this.core.maxKeyLength);
    const full = this.fullKey(key);
    assertKey(key, full.length, this.core.maxKeyLength);
    return full;
  }

  private tags(tags: readonly string[] | undefined): readonly string[] | undefined {
    if (tags === undefined) return undefined;
    assertTags(tags);
    if (tags.length === 0) return undefined;
    if (!this.core.supportsTags) throw new UnsupportedOperationError('tags: the L2 driver cannot index tags');
    return tags.map((tag) => this.keyPrefix + tag);
  }
}
