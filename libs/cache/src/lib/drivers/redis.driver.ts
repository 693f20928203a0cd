import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { groupBySlot, isClusterClient } from '../core/cluster-slots';
import type { CacheDriver, DriverEntry, HeadMatch, LeaseProvider, TagIndex } from '../core/driver';
import { InvalidTtlError, L2UnavailableError } from '../core/errors';
import { sendNow } from '../core/send-now';

/** An ioredis client of either kind; both expose the same command API. */
export type RedisClient = Redis | Cluster;

/** Settings of a {@link RedisDriver}. */
export interface RedisDriverOptions {
  /**
   * Whether the driver owns the client and closes it in `disconnect()`. Default `false`: a client passed in
   * belongs to the caller (it is usually shared with the invalidation bus and other code).
   */
  readonly ownsClient?: boolean;
  /** Prefix of the Redis SET that indexes a tag: `<tagKeyPrefix><tag>`. Default {@link DEFAULT_TAG_KEY_PREFIX}. */
  readonly tagKeyPrefix?: string;
  /** Suffix of the lease (lock) key of a key: `<key><leaseKeySuffix>`. Default {@link DEFAULT_LEASE_KEY_SUFFIX}. */
  readonly leaseKeySuffix?: string;
  /** Keys per MGET / UNLINK / pipeline. Default 500. */
  readonly batchSize?: number;
  /** `COUNT` hint of each SCAN step in `deleteByPrefix`. Default 500. */
  readonly scanCount?: number;
}

/**
 * Default tag-set key layout: the tag (already namespaced by the engine, e.g. `app:bid:tag-name`) behind
 * `__tag:`, i.e. `__tag:app:bid:tag-name`. It deliberately does not start with the cache prefix, so a
 * `deleteByPrefix` of a namespace leaves tag sets alone (they only point at keys, and expire on their own).
 */
export const DEFAULT_TAG_KEY_PREFIX = '__tag:';

/**
 * Default lease key layout: `<key>:__lease`. It shares the key's prefix (so `deleteByPrefix` of a namespace
 * also drops its leases) and its `{hash tag}` if any, and never collides with a value key of the engine, whose
 * keys never end in `:__lease` by construction of namespaces.
 */
export const DEFAULT_LEASE_KEY_SUFFIX = ':__lease';

const DEFAULT_BATCH = 500;
const DEFAULT_SCAN_COUNT = 500;

/** Escapes the glob metacharacters of Redis `MATCH`/`KEYS` patterns (`* ? [ ] \`) so a prefix matches literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** Whether a value looks like an ioredis `Redis` or `Cluster` client (used to detect `store.client`). */
export function isIoredisClient(value: unknown): value is RedisClient {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as { isCluster?: unknown; scan?: unknown; evalsha?: unknown; nodes?: unknown };
  if (typeof candidate.isCluster !== 'boolean' || typeof candidate.evalsha !== 'function') return false;
  return candidate.isCluster ? typeof candidate.nodes === 'function' : typeof candidate.scan === 'function';
}

const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
};

/** Redis wants an integer ≥ 1 for `PX`; the contract says `ttlMs > 0`. */
const toPx = (ttlMs: number): number => {
  if (!(ttlMs > 0) || !Number.isFinite(ttlMs))
    throw new InvalidTtlError(`ttlMs: expected a finite number > 0, got ${ttlMs}`);
  return Math.ceil(ttlMs);
};

/** Waits (bounded by the node's `connectTimeout`) until a lazy node connection of a Cluster takes commands. */
const ensureReady = async (node: Redis): Promise<void> => {
  if (node.status === 'ready') return;
  if (node.status === 'wait') {
    await node.connect();
    return;
  }
  const where = `${node.options.host}:${node.options.port}`;
  if (node.status !== 'connecting' && node.status !== 'connect') {
    throw new L2UnavailableError(`Redis node ${where} is not ready (${node.status})`);
  }
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      node.off('ready', onReady);
      node.off('end', onEnd);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReady = () => done();
    const onEnd = () => done(new L2UnavailableError(`Redis node ${where} closed`));
    const timer = setTimeout(
      () => done(new L2UnavailableError(`Redis node ${where} not ready in time`)),
      node.options.connectTimeout ?? 10_000,
    );
    timer.unref();
    node.once('ready', onReady);
    node.once('end', onEnd);
  });
};

// ---------------------------------------------------------------- scripts

/** A Lua script run by EVALSHA with an EVAL fallback, without defining commands on a client we do not own. */
class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(
    client: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** SADD the key, then extend the set's TTL to at least `ttl` (a set without TTL gets one: NX then GT). */
const TAG_ADD = new LuaScript(`
redis.call('SADD', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[2])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`);

/** SMEMBERS + DEL of one tag set, atomically. */
const TAG_TAKE = new LuaScript(`
local members = redis.call('SMEMBERS', KEYS[1])
if #members > 0 then redis.call('DEL', KEYS[1]) end
return members
`);

/** Deletes the lease only when the caller's token still holds it. */
const LEASE_RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * Deletes the key only while its value starts with ARGV[1]. GETRANGE reads just those bytes, so a large value
 * is not copied into Lua to be compared. One key, hence one slot: runs as is on a Cluster.
 */
const DELETE_IF_HEAD = new LuaScript(`
local n = string.len(ARGV[1])
if n > 0 and redis.call('GETRANGE', KEYS[1], 0, n - 1) == ARGV[1] then return redis.call('UNLINK', KEYS[1]) end
return 0
`);

// ---------------------------------------------------------------- capabilities

/**
 * Tag index in Redis: per tag a SET `<tagKeyPrefix><tag>` of member keys whose TTL only ever grows (it must
 * outlive the longest-lived member). Exported so the legacy-store driver can reuse it over `store.client`.
 */
export class RedisTagIndex implements TagIndex {
  constructor(
    private readonly client: RedisClient,
    private readonly tagKeyPrefix: string = DEFAULT_TAG_KEY_PREFIX,
  ) {}

  /** SADD + PEXPIRE (NX, then GT) per tag, one atomic script per tag set; tag sets may live in different slots. */
  async add(key: string, tags: readonly string[], ttlMs: number): Promise<void> {
    const px = toPx(ttlMs);
    if (tags.length === 1) {
      await TAG_ADD.run(this.client, [this.tagKeyPrefix + tags[0]], [key, px]);
      return;
    }
    await Promise.all(tags.map((tag) => TAG_ADD.run(this.client, [this.tagKeyPrefix + tag], [key, px])));
  }

  /** Takes (SMEMBERS + DEL, atomic per tag) every tag set and returns the union of their members. */
  async take(tags: readonly string[]): Promise<string[]> {
    const results = await Promise.all(
      tags.map((tag) => TAG_TAKE.run(this.client, [this.tagKeyPrefix + tag], []) as Promise<string[]>),
    );
    if (results.length === 1) return results[0];
    return [...new Set(results.flat())];
  }
}

/**
 * Leases in Redis: `SET <key><suffix> <token> NX PX <ttl>`, released by a compare-and-delete script.
 * Exported so the legacy-store driver can reuse it over `store.client`.
 */
export class RedisLeaseProvider implements LeaseProvider {
  constructor(
    private readonly client: RedisClient,
    private readonly leaseKeySuffix: string = DEFAULT_LEASE_KEY_SUFFIX,
  ) {}

  /** One `SET NX PX` attempt; `true` when this token now holds the lease. */
  async acquire(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(key + this.leaseKeySuffix, token, 'PX', toPx(ttlMs), 'NX')) === 'OK';
  }

  /** Deletes the lease if, and only if, `token` holds it (another holder's lease is left alone). */
  async release(key: string, token: string): Promise<void> {
    await LEASE_RELEASE.run(this.client, [key + this.leaseKeySuffix], [token]);
  }

  /** Whether the lease key exists (held and not expired). */
  async isHeld(key: string): Promise<boolean> {
    return (await this.client.exists(key + this.leaseKeySuffix)) === 1;
  }
}

// ---------------------------------------------------------------- driver

/**
 * L2 driver over an ioredis `Redis` or `Cluster` client, with identical behaviour on both. Values are stored
 * as plain strings with a `PX` TTL. Multi-key operations are split by hash slot on a Cluster (no `CROSSSLOT`,
 * groups run concurrently) and by chunks of `batchSize` keys on a standalone server; results keep the order
 * of the input. `deleteByPrefix` SCANs every master. Tags and leases are always available (see
 * {@link DEFAULT_TAG_KEY_PREFIX} and {@link DEFAULT_LEASE_KEY_SUFFIX} for key layouts).
 */
export class RedisDriver implements CacheDriver {
  /** `'redis-cluster'` over a Cluster client, `'redis'` otherwise. */
  readonly name: 'redis' | 'redis-cluster';
  /** Tag sets in Redis. */
  readonly tags: RedisTagIndex;
  /** Leases in Redis. */
  readonly leases: RedisLeaseProvider;
  private readonly cluster: boolean;
  private readonly batchSize: number;
  private readonly scanCount: number;

  constructor(
    /** The client; never closed by the driver unless `ownsClient` is set. */
    readonly client: RedisClient,
    private readonly options: RedisDriverOptions = {},
  ) {
    this.cluster = isClusterClient(client);
    this.name = this.cluster ? 'redis-cluster' : 'redis';
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH));
    this.scanCount = Math.max(1, Math.floor(options.scanCount ?? DEFAULT_SCAN_COUNT));
    this.tags = new RedisTagIndex(client, options.tagKeyPrefix ?? DEFAULT_TAG_KEY_PREFIX);
    this.leases = new RedisLeaseProvider(client, options.leaseKeySuffix ?? DEFAULT_LEASE_KEY_SUFFIX);
  }

  /** GET; `undefined` when absent or expired. */
  async get(key: string): Promise<string | undefined> {
    return (await this.client.get(key)) ?? undefined;
  }

  /** MGET per slot (Cluster) or per chunk (standalone), concurrently; values in the order of `keys`. */
  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    if (keys.length <= this.batchSize && !this.cluster) {
      return (await this.client.mget(keys as string[])).map((value) => value ?? undefined);
    }
    const result = new Array<string | undefined>(keys.length);
    await Promise.all(
      this.partition(keys).map(async (positions) => {
        const values = await this.client.mget(positions.map((i) => keys[i]));
        for (let j = 0; j < positions.length; j++) result[positions[j]] = values[j] ?? undefined;
      }),
    );
    return result;
  }

  /** SET with `PX`. */
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const px = toPx(ttlMs);
    // Written at once when that keeps the connection's order: a writer's latency path (see sendNow).
    await (sendNow(this.client, 'set', [key, value, 'PX', px]) ?? this.client.set(key, value, 'PX', px));
  }

  /**
   * One `SET … PX` per entry, all issued at once. On the auto-pipelined connections of `redis-connection.ts`
   * they go out together on the connection's next flush, one write per node, so an explicit pipeline saves
   * nothing; and an explicit pipeline is written at once, ahead of a `set` of the same key issued earlier in
   * the same tick and still waiting for that flush, so the older value would win. Every TTL is checked first:
   * nothing is written when one is invalid.
   */
  async setMany(entries: readonly DriverEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const pxs = entries.map((entry) => toPx(entry.ttlMs));
    await Promise.all(entries.map((entry, i) => this.client.set(entry.key, entry.value, 'PX', pxs[i])));
  }

  /** UNLINK; `true` when the key existed. */
  async delete(key: string): Promise<boolean> {
    return Number(await (sendNow(this.client, 'unlink', [key]) ?? this.client.unlink(key))) > 0;
  }

  /** UNLINK per slot (Cluster) or per chunk (standalone), concurrently; resolves how many existed. */
  async deleteMany(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const counts = await Promise.all(
      this.partition(keys).map((positions) => this.client.unlink(positions.map((i) => keys[i]))),
    );
    let total = 0;
    for (const count of counts) total += count;
    return total;
  }

  /**
   * One compare-and-delete script per key (GETRANGE of the head's length, then UNLINK on a match), all issued
   * at once: on a Cluster each goes to its key's slot.
   */
  async deleteIfHead(targets: readonly HeadMatch[]): Promise<boolean[]> {
    return Promise.all(
      targets.map(async ({ key, head }) => Number(await DELETE_IF_HEAD.run(this.client, [key], [head])) > 0),
    );
  }

  /** EXISTS. */
  async has(key: string): Promise<boolean> {
    return (await this.client.exists(key)) === 1;
  }

  /**
   * SCANs (`MATCH <escaped prefix>*`, `COUNT scanCount`) every master — the server itself on standalone —
   * and UNLINKs what each step finds, grouped by slot. Resolves how many keys were removed.
   */
  async deleteByPrefix(prefix: string): Promise<number> {
    const pattern = `${escapeGlob(prefix)}*`;
    let nodes: Redis[];
    if (this.cluster) {
      nodes = (this.client as Cluster).nodes('master');
      if (nodes.length === 0)
        throw new L2UnavailableError('Redis Cluster: no master node known (not connected?)');
    } else {
      nodes = [this.client as Redis];
    }
    const counts = await Promise.all(
      nodes.map((node) => scanKeys(node, pattern, this.scanCount, (keys) => this.deleteMany(keys))),
    );
    let total = 0;
    for (const count of counts) total += count;
    return total;
  }

  /** Closes the client only when the driver owns it (`ownsClient`); otherwise does nothing. */
  async disconnect(): Promise<void> {
    if (this.options.ownsClient !== true) return;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  /** Position groups for one multi-key command each: per slot (chunked) on Cluster, per chunk otherwise. */
  private partition(keys: readonly string[]): number[][] {
    if (!this.cluster) {
      const positions = Array.from({ length: keys.length }, (_, i) => i);
      return chunk(positions, this.batchSize);
    }
    const groups: number[][] = [];
    for (const positions of groupBySlot(keys).values()) {
      if (positions.length <= this.batchSize) groups.push(positions);
      else groups.push(...chunk(positions, this.batchSize));
    }
    return groups;
  }
}

/**
 * SCANs one node (`MATCH pattern COUNT count`) to the end and hands each non-empty batch of keys to
 * `onKeys`, which returns how many it removed; resolves the sum. Waits for a lazy Cluster node to connect.
 */
export async function scanKeys(
  node: Redis,
  pattern: string,
  count: number,
  onKeys: (keys: string[]) => Promise<number>,
): Promise<number> {
  await ensureReady(node);
  let cursor = '0';
  let total = 0;
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    cursor = next;
    if (keys.length > 0) total += await onKeys(keys);
  } while (cursor !== '0');
  return total;
}
