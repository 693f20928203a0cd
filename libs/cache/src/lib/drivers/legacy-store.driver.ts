import type { Cluster, Redis } from 'ioredis';
import type { CacheDriver, DriverEntry, LeaseProvider, TagIndex } from '../core/driver';
import { InvalidTtlError, UnsupportedOperationError } from '../core/errors';
import {
  DEFAULT_LEASE_KEY_SUFFIX,
  DEFAULT_TAG_KEY_PREFIX,
  RedisLeaseProvider,
  RedisTagIndex,
  escapeGlob,
  isIoredisClient,
  scanKeys,
  type RedisClient,
} from './redis.driver';
import { groupBySlot, isClusterClient, keySlot } from '../core/cluster-slots';

/**
 * The shape of a cache-manager v5 store (`memoryStore()`, `redisStore()` of cache-manager-ioredis-yet, …) that
 * {@link LegacyStoreDriver} accepts: every method returns a promise and TTLs are **milliseconds** (v5's
 * `Milliseconds` type; ioredis-yet passes them to `SET … PX`). Only `get`, `set` and `del` are required; batch
 * methods and `keys` are used when present. `client` is what ioredis-yet exposes: its ioredis `Redis` or
 * `Cluster`. A v5 `Store` is assignable to this type as is.
 */
export interface LegacyStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: string, ttlMs?: number): Promise<unknown>;
  del(key: string): Promise<unknown>;
  mget?(...keys: string[]): Promise<unknown[]>;
  mset?(entries: Array<[string, string]>, ttlMs?: number): Promise<unknown>;
  mdel?(...keys: string[]): Promise<unknown>;
  keys?(pattern?: string): Promise<string[]>;
  ttl?(key: string): Promise<number>;
  reset?(): Promise<unknown>;
  /** The underlying client, when the store exposes one (cache-manager-ioredis-yet does). */
  readonly client?: unknown;
}

/** Settings of a {@link LegacyStoreDriver}. */
export interface LegacyStoreDriverOptions {
  /** The driver's `name`. Default `'legacy-store'`. */
  readonly name?: string;
  /** Keys per `mget`/`mset`/`mdel` call. Default 500. */
  readonly batchSize?: number;
  /** Tag-set key prefix when tags are backed by `store.client` (see the Redis driver). Default `'__tag:'`. */
  readonly tagKeyPrefix?: string;
  /** Lease key suffix when leases are backed by `store.client` (see the Redis driver). Default `':__lease'`. */
  readonly leaseKeySuffix?: string;
}

const toMs = (ttlMs: number): number => {
  if (!(ttlMs > 0) || !Number.isFinite(ttlMs))
    throw new InvalidTtlError(`ttlMs: expected a finite number > 0, got ${ttlMs}`);
  return Math.ceil(ttlMs);
};

/** Stores hand back what they decoded; our values are strings, anything else is re-encoded as JSON. */
const decode = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
};

const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
};

/**
 * Adapts a cache-manager v5-style store to {@link CacheDriver}, so services migrating from cache-manager keep
 * their store as L2. TTLs are passed in milliseconds. Batch calls use the store's `mget`/`mset`/`mdel` when it
 * has them, in chunks; when the store exposes an ioredis Cluster as `store.client` (cache-manager-ioredis-yet
 * does), keys are first grouped by hash slot, because ioredis-yet's batch methods send one multi-key command
 * and would fail with `CROSSSLOT`. `deleteByPrefix` SCANs every master through `store.client` when it is an
 * ioredis client (ioredis-yet's `keys()` runs KEYS on one node only), and uses `store.keys()` otherwise.
 *
 * v5 stores do not say whether `del` removed anything, so `delete`/`deleteMany` read the keys first; their
 * counts are exact unless another writer races them. Tags and leases exist only when `store.client` is an
 * ioredis client (they are then the Redis driver's, on that client); otherwise they are `undefined`.
 *
 * No `deleteIfHead` (compare-and-delete): a v5 store offers no atomic compare, and the bytes it keeps in Redis
 * are its own encoding of our value (ioredis-yet JSON-encodes it again), so a script over `store.client` could
 * not compare them reliably either. The engine's L2 repair therefore stays an unconditional delete on this
 * driver: it still removes a fill that raced an invalidation, but may also remove a newer value another
 * instance wrote in between (costing that key one more load).
 */
export class LegacyStoreDriver implements CacheDriver {
  /** `'legacy-store'` unless another name was given. */
  readonly name: string;
  /** Redis tag sets over `store.client`, or `undefined` when the store exposes no ioredis client. */
  readonly tags?: TagIndex;
  /** Redis leases over `store.client`, or `undefined` when the store exposes no ioredis client. */
  readonly leases?: LeaseProvider;
  private readonly client: RedisClient | undefined;
  private readonly cluster: boolean;
  private readonly batchSize: number;

  constructor(
    /** The adapted store; never reset or closed by the driver. */
    readonly store: LegacyStore,
    options: LegacyStoreDriverOptions = {},
  ) {
    this.name = options.name ?? 'legacy-store';
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 500));
    const client = store.client;
    this.client = isIoredisClient(client) ? client : undefined;
    this.cluster = this.client !== undefined && isClusterClient(this.client);
    if (this.client !== undefined) {
      this.tags = new RedisTagIndex(this.client, options.tagKeyPrefix ?? DEFAULT_TAG_KEY_PREFIX);
      this.leases = new RedisLeaseProvider(this.client, options.leaseKeySuffix ?? DEFAULT_LEASE_KEY_SUFFIX);
    }
  }

  /** `store.get`. */
  async get(key: string): Promise<string | undefined> {
    return decode(await this.store.get(key));
  }

  /** `store.mget` per chunk (per slot on Cluster), concurrently, or `store.get` per key without `mget`. */
  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    const mget = this.store.mget;
    if (mget === undefined) return Promise.all(keys.map((key) => this.get(key)));
    const result = new Array<string | undefined>(keys.length);
    await Promise.all(
      this.partition(keys).map(async (positions) => {
        const values = await mget.apply(
          this.store,
          positions.map((i) => keys[i]),
        );
        for (let j = 0; j < positions.length; j++) result[positions[j]] = decode(values[j]);
      }),
    );
    return result;
  }

  /** `store.set(key, value, ttlMs)`. */
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.store.set(key, value, toMs(ttlMs));
  }

  /**
   * `store.mset(pairs, ttlMs)` per group of entries sharing a TTL (and a slot on Cluster) — v5's `mset` takes a
   * single TTL — or `store.set` per entry without `mset`. When a key repeats, its last entry wins.
   */
  async setMany(entries: readonly DriverEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const last = new Map<string, DriverEntry>();
    for (const entry of entries) {
      toMs(entry.ttlMs); // validate every entry before writing any
      last.set(entry.key, entry);
    }
    const mset = this.store.mset;
    if (mset === undefined) {
      await Promise.all([...last.values()].map((entry) => this.set(entry.key, entry.value, entry.ttlMs)));
      return;
    }
    const unique = [...last.values()];
    const groups = new Map<string, Array<[string, string]>>();
    for (const entry of unique) {
      const ttl = toMs(entry.ttlMs);
      const id = this.cluster ? `${keySlot(entry.key)}:${ttl}` : `${ttl}`;
      const group = groups.get(id);
      if (group === undefined) groups.set(id, [[entry.key, entry.value]]);
      else group.push([entry.key, entry.value]);
    }
    const calls: Promise<unknown>[] = [];
    for (const [id, pairs] of groups) {
      const ttl = Number(id.slice(id.indexOf(':') + 1));
      for (const part of chunk(pairs, this.batchSize)) calls.push(mset.call(this.store, part, ttl));
    }
    await Promise.all(calls);
  }

  /** Reads the key, then `store.del`; `true` when it existed. */
  async delete(key: string): Promise<boolean> {
    const existed = (await this.get(key)) !== undefined;
    await this.store.del(key);
    return existed;
  }

  /** Reads the keys, then `store.mdel` per chunk (per slot on Cluster); resolves how many existed. */
  async deleteMany(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const values = await this.getMany(keys);
    await this.remove(keys);
    let count = 0;
    for (const value of values) if (value !== undefined) count++;
    return count;
  }

  /** `store.get(key) !== undefined`. */
  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /**
   * With an ioredis `store.client`: SCAN every master (`MATCH <escaped prefix>*`) and delete what is found
   * through the store. Otherwise `store.keys('<escaped prefix>*')`, filtered by prefix (some stores, like v5's
   * memory store, ignore the pattern). Resolves how many keys were removed.
   */
  async deleteByPrefix(prefix: string): Promise<number> {
    const pattern = `${escapeGlob(prefix)}*`;
    const client = this.client;
    if (client !== undefined) {
      const nodes: Redis[] = isClusterClient(client)
        ? (client as Cluster).nodes('master')
        : [client as Redis];
      if (nodes.length === 0) throw new UnsupportedOperationError('store.client: no Redis master node known');
      const counts = await Promise.all(
        nodes.map((node) =>
          scanKeys(node, pattern, 500, (keys) => this.remove(keys).then(() => keys.length)),
        ),
      );
      return counts.reduce((sum, count) => sum + count, 0);
    }
    if (this.store.keys === undefined) {
      throw new UnsupportedOperationError(`${this.name}: the store has no keys(), cannot delete by prefix`);
    }
    const keys = (await this.store.keys(pattern)).filter((key) => key.startsWith(prefix));
    return this.deleteMany(keys);
  }

  /** Does nothing: the store (and its client) belong to the caller. */
  async disconnect(): Promise<void> {
    // The store was given to us; its owner closes it.
  }

  private async remove(keys: readonly string[]): Promise<void> {
    const mdel = this.store.mdel;
    if (mdel === undefined) {
      await Promise.all(keys.map((key) => this.store.del(key)));
      return;
    }
    await Promise.all(
      this.partition(keys).map((positions) =>
        mdel.apply(
          this.store,
          positions.map((i) => keys[i]),
        ),
      ),
    );
  }

  /** Position groups, one batch call each: per slot (chunked) when the store sits on a Cluster. */
  private partition(keys: readonly string[]): number[][] {
    const positions = Array.from({ length: keys.length }, (_, i) => i);
    if (!this.cluster) return chunk(positions, this.batchSize);
    const groups: number[][] = [];
    for (const group of groupBySlot(keys).values()) groups.push(...chunk(group, this.batchSize));
    return groups;
  }
}
