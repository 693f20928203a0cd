/**
 * One small adapter per library, so that every scenario drives every library through the same calls. Each
 * adapter is built in the library's recommended production configuration (described in `config`), owns its
 * connections and closes them in `close()`.
 */
import type { Cluster, Redis } from 'ioredis';
import type { BenchValue } from './zipf';
import { CLUSTER_NODES, IOREDIS_OPTIONS, REDIS_URL, newCluster, newRedis } from './common';

/** Every library (or library configuration) the benchmark knows. */
export type LibId =
  | 'ours'
  | 'bentocache'
  | 'bentocache-noser'
  | 'cache-manager-v7'
  | 'cache-manager-v5'
  | 'cacheable'
  | 'lru-cache'
  | 'lru-cache-sync'
  | 'ioredis';

/** Display names. */
export const LIB_LABEL: Record<LibId, string> = {
  ours: 'ours (@platform/cache)',
  bentocache: 'BentoCache 1.6.1',
  'bentocache-noser': 'BentoCache 1.6.1 (L1 serialize:false)',
  'cache-manager-v7': 'cache-manager 7.2.9',
  'cache-manager-v5': 'cache-manager 5.7.6 + ioredis-yet',
  cacheable: 'cacheable 2.5.0',
  'lru-cache': 'lru-cache 11 (raw, async wrapper)',
  'lru-cache-sync': 'lru-cache 11 (raw, sync get)',
  ioredis: 'ioredis 5 raw (autopipelining)',
};

/**
 * How to build a cache: `tiered` = L1 memory + L2 Redis (+ invalidation bus where the library has one);
 * `l2` = Redis only (L1 disabled or absent).
 */
export interface AdapterOptions {
  mode: 'tiered' | 'l2';
  topology: 'standalone' | 'cluster';
  /** Unique Redis key prefix for this adapter (ends with ':'); everything it writes lives under it. */
  prefix: string;
  /** Bus/pub-sub on for tiered libraries that have one (default true). */
  bus?: boolean;
}

/** The uniform surface the scenarios use. Optional members are absent when the library has no such API. */
export interface BenchCache {
  readonly lib: LibId;
  readonly label: string;
  /** Human-readable configuration, printed next to the numbers. */
  readonly config: string;
  get(key: string): Promise<unknown>;
  /** Synchronous L1-only read, where the library has one. */
  peek?(key: string): unknown;
  set(key: string, value: BenchValue): Promise<void>;
  getMany?(keys: string[]): Promise<unknown[]>;
  getOrSet?(key: string, loader: () => Promise<BenchValue>): Promise<unknown>;
  delete?(key: string): Promise<void>;
  deleteMany?(keys: string[]): Promise<void>;
  /** Called with the keys named in each received bus message, once the library has applied it to L1. */
  onRemoteInvalidation?(cb: (keys: string[]) => void): void;
  /** Called on every cache hit with the layer that served it; returns the unsubscribe function. */
  onHit?(cb: (key: string, layer: 'l1' | 'l2') => void): () => void;
  close(): Promise<void>;
}

/** Structural view of our engine's API (see the brief); kept local so the bench compiles while it evolves. */
interface OursNamespace {
  get(key: string): Promise<unknown>;
  peek(key: string): unknown;
  getMany(keys: readonly string[]): Promise<unknown[]>;
  set(key: string, value: unknown, options?: unknown): Promise<void>;
  getOrSet(key: string, loader: () => Promise<unknown>, options?: unknown): Promise<unknown>;
  delete(key: string): Promise<boolean>;
  deleteMany?(keys: readonly string[]): Promise<number>;
}
interface OursCache {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  namespace(name: string): OursNamespace;
  on(event: string, listener: (payload: never) => void): unknown;
  off(event: string, listener: (payload: never) => void): unknown;
}
interface OursModule {
  createCache(options: Record<string, unknown>): OursCache;
  createRedisConnection?(config: Record<string, unknown>): Redis | Cluster;
  connectRedis?(client: Redis | Cluster, timeoutMs?: number): Promise<Redis | Cluster>;
}

let oursModule: Promise<OursModule> | undefined;

/**
 * Loads our engine from `../src`. Rejects with a readable reason while `createCache` is not exported yet (the
 * lead is writing it), so the runner can print "pending" instead of failing.
 */
export function loadOurs(): Promise<OursModule> {
  oursModule ??= (async () => {
    const mod = (await import('../src')) as unknown as Partial<OursModule>;
    if (typeof mod.createCache !== 'function') {
      throw new Error('pending: createCache is not exported from libs/cache/src/index.ts yet');
    }
    return mod as OursModule;
  })();
  return oursModule;
}

const TTL_L1_MS = 30_000;
const TTL_L2_MS = 300_000;

/** Builds the adapter for `lib`. */
export async function createAdapter(lib: LibId, o: AdapterOptions): Promise<BenchCache> {
  switch (lib) {
    case 'ours':
      return ours(o);
    case 'bentocache':
      return bento(o, true);
    case 'bentocache-noser':
      return bento(o, false);
    case 'cache-manager-v7':
      return cacheManager7(o);
    case 'cache-manager-v5':
      return cacheManager5(o);
    case 'cacheable':
      return cacheable(o);
    case 'lru-cache':
    case 'lru-cache-sync':
      return lru(lib);
    case 'ioredis':
      return rawIoredis(o);
  }
}

async function openIoredis(o: AdapterOptions): Promise<Redis | Cluster> {
  return o.topology === 'cluster' ? newCluster() : newRedis();
}

async function ours(o: AdapterOptions): Promise<BenchCache> {
  const mod = await loadOurs();
  let redis: Redis | Cluster;
  let how = 'createRedisConnection() defaults (autopipelining)';
  if (mod.createRedisConnection && mod.connectRedis) {
    const conn =
      o.topology === 'cluster'
        ? mod.createRedisConnection({ mode: 'cluster', nodes: CLUSTER_NODES })
        : mod.createRedisConnection({ mode: 'standalone', url: REDIS_URL });
    redis = await mod.connectRedis(conn, 10_000);
  } else {
    redis = await openIoredis(o);
    how = 'ioredis (autopipelining)';
  }
  const tiered = o.mode === 'tiered';
  const bus = tiered && o.bus !== false;
  const cache = mod.createCache({
    prefix: o.prefix,
    l1: tiered ? { maxBytes: '256MB', maxEntryBytes: '1MB', policy: 'tinylfu' } : false,
    l2: { redis },
    bus,
    ttl: { l1: '30s', l2: '5m' },
  });
  await cache.connect();
  const ns = cache.namespace('bench');
  const ttl = { ttl: { l1: '30s', l2: '5m' } };
  return {
    lib: 'ours',
    label: LIB_LABEL.ours,
    config: `${tiered ? 'L1 256MB tinylfu + ' : 'L1 off, '}L2 ${o.topology} via ${how}${bus ? ' + bus' : ''}; ttl l1 30s / l2 5m`,
    get: (k) => ns.get(k),
    peek: (k) => ns.peek(k),
    set: (k, v) => ns.set(k, v, ttl),
    getMany: (keys) => ns.getMany(keys),
    getOrSet: (k, loader) => ns.getOrSet(k, loader, ttl),
    delete: async (k) => {
      await ns.delete(k);
    },
    deleteMany: ns.deleteMany
      ? async (keys) => {
          await ns.deleteMany?.(keys);
        }
      : undefined,
    onRemoteInvalidation: (cb) => {
      cache.on('bus:received', ((e: { ops: readonly { type: string; keys?: readonly string[] }[] }) => {
        const keys: string[] = [];
        for (const op of e.ops) if (op.type === 'keys' && op.keys) keys.push(...op.keys);
        cb(keys);
      }) as (p: never) => void);
    },
    onHit: (cb) => {
      const listener = ((e: { key: string; layer: 'l1' | 'l2' }) => cb(e.key, e.layer)) as (p: never) => void;
      cache.on('hit', listener);
      return () => void cache.off('hit', listener);
    },
    close: async () => {
      await cache.disconnect();
      await redis.quit().catch(() => undefined);
    },
  };
}

async function bento(o: AdapterOptions, serialize: boolean): Promise<BenchCache> {
  const { BentoCache, bentostore } = await import('bentocache');
  const { memoryDriver } = await import('bentocache/drivers/memory');
  const { redisDriver, redisBusDriver } = await import('bentocache/drivers/redis');
  const redis = await openIoredis(o);
  const tiered = o.mode === 'tiered';
  const bus = tiered && o.bus !== false;
  const store = bentostore();
  if (tiered) {
    // maxItems default is 1000: raise it so the 10k-key working set fits, like every other L1 here.
    store.useL1Layer(
      serialize
        ? memoryDriver({ maxItems: 100_000, maxSize: '256mb', maxEntrySize: '1mb' })
        : memoryDriver({ maxItems: 100_000, serialize: false }),
    );
  }
  store.useL2Layer(redisDriver({ connection: redis }));
  if (bus) store.useBus(redisBusDriver({ connection: redis }));
  // The store name becomes part of the bus channel, so a unique name keeps concurrent runs apart.
  const storeName = `bench_${o.prefix.replace(/[^a-zA-Z0-9]/g, '_')}`;
  const cache = new BentoCache({
    default: storeName,
    stores: { [storeName]: store },
    prefix: o.prefix.replace(/:$/, ''),
    ttl: TTL_L2_MS,
  });
  const lib: LibId = serialize ? 'bentocache' : 'bentocache-noser';
  return {
    lib,
    label: LIB_LABEL[lib],
    config: `${
      tiered
        ? serialize
          ? 'L1 memoryDriver(maxSize 256mb, serialize default=true) + '
          : 'L1 memoryDriver(maxItems 100k, serialize:false) + '
        : 'no L1, '
    }L2 redisDriver(ioredis ${o.topology}, autopipelining)${bus ? ' + redisBusDriver' : ''}; ttl 5m (one TTL for both tiers)`,
    get: (key) => cache.get({ key }),
    set: async (key, value) => {
      await cache.set({ key, value });
    },
    getOrSet: (key, factory) => cache.getOrSet({ key, factory }),
    delete: async (key) => {
      await cache.delete({ key });
    },
    deleteMany: async (keys) => {
      await cache.deleteMany({ keys });
    },
    onRemoteInvalidation: (cb) => {
      // Emitted synchronously just before the L1 entries are deleted in the same call; the microtask runs
      // after the deletion has been applied.
      cache.on('bus:message:received', (e) => {
        const keys = [...e.message.keys];
        queueMicrotask(() => cb(keys));
      });
    },
    onHit: (cb) => {
      const listener = (e: { key: string; layer: 'l1' | 'l2' }) => cb(e.key, e.layer);
      cache.on('cache:hit', listener);
      return () => void cache.off('cache:hit', listener);
    },
    close: async () => {
      await cache.disconnect().catch(() => undefined);
      await redis.quit().catch(() => undefined);
    },
  };
}

async function cacheManager7(o: AdapterOptions): Promise<BenchCache> {
  const { createCache } = await import('cache-manager');
  // `keyv` is not a direct dependency of the workspace; @keyv/redis re-exports the same (hoisted) class.
  const { Keyv } = await import('@keyv/redis');
  const { CacheableMemory } = await import('cacheable');
  const redisStore = await keyvRedisStore(o);
  const l2 = new Keyv({ store: redisStore, namespace: o.prefix.replace(/:$/, ''), ttl: TTL_L2_MS });
  const tiered = o.mode === 'tiered';
  // README's L1+L2 recipe: Keyv(CacheableMemory{ttl,lruSize}) + Keyv(KeyvRedis). Per-store TTL = Keyv defaults.
  const stores = tiered
    ? [new Keyv({ store: new CacheableMemory({ ttl: TTL_L1_MS, lruSize: 100_000 }), ttl: TTL_L1_MS }), l2]
    : [l2];
  const cache = createCache({ stores });
  return {
    lib: 'cache-manager-v7',
    label: LIB_LABEL['cache-manager-v7'],
    config: `${
      tiered ? 'Keyv(CacheableMemory lruSize 100k, ttl 30s, useClones default=true) + ' : ''
    }Keyv(@keyv/redis ${o.topology}, node-redis client, ttl 5m); no bus`,
    get: (k) => cache.get(k),
    set: async (k, v) => {
      await cache.set(k, v);
    },
    getMany: (keys) => cache.mget(keys),
    getOrSet: (k, loader) => cache.wrap(k, loader),
    delete: async (k) => {
      await cache.del(k);
    },
    deleteMany: async (keys) => {
      await cache.mdel(keys);
    },
    close: async () => {
      await cache.disconnect().catch(() => undefined);
    },
  };
}

async function keyvRedisStore(o: AdapterOptions) {
  const mod = await import('@keyv/redis');
  const KeyvRedis = mod.default;
  if (o.topology === 'cluster') {
    const cluster = mod.createCluster({ rootNodes: CLUSTER_NODES.map((n) => ({ url: `redis://${n}` })) });
    return new KeyvRedis(cluster, { throwOnErrors: true });
  }
  return new KeyvRedis(REDIS_URL, { throwOnErrors: true });
}

async function cacheable(o: AdapterOptions): Promise<BenchCache> {
  const { Cacheable, KeyvCacheableMemory } = await import('cacheable');
  const redisStore = await keyvRedisStore(o);
  const tiered = o.mode === 'tiered';
  const namespace = o.prefix.replace(/:$/, '');
  // Tiered: README's primary (CacheableMemory, bounded) + secondary KeyvRedis. L2-only: KeyvRedis as the
  // *primary* and no secondary, since a memory primary would be back-filled by the first read.
  const cache = tiered
    ? new Cacheable({
        primary: new KeyvCacheableMemory({ lruSize: 100_000 }),
        secondary: redisStore,
        namespace,
        ttl: TTL_L2_MS,
      })
    : new Cacheable({ primary: redisStore, namespace, ttl: TTL_L2_MS });
  const setOpts = tiered ? { ttl: { primary: TTL_L1_MS, secondary: TTL_L2_MS } } : { ttl: TTL_L2_MS };
  return {
    lib: 'cacheable',
    label: LIB_LABEL.cacheable,
    config: tiered
      ? `primary KeyvCacheableMemory(lruSize 100k, useClones default=true) + secondary @keyv/redis ${o.topology}; ttl 30s/5m; no sync`
      : `primary @keyv/redis ${o.topology} only (no memory tier)`,
    get: (k) => cache.get(k),
    set: async (k, v) => {
      await cache.set(k, v, setOpts);
    },
    getMany: (keys) => cache.getMany(keys),
    getOrSet: (k, loader) => cache.getOrSet(k, loader, setOpts),
    delete: async (k) => {
      await cache.delete(k);
    },
    deleteMany: async (keys) => {
      await cache.deleteMany(keys);
    },
    close: async () => {
      await cache.disconnect().catch(() => undefined);
    },
  };
}

async function cacheManager5(o: AdapterOptions): Promise<BenchCache> {
  const v5 = await import('cache-manager-v5');
  const { redisInsStore } = await import('cache-manager-ioredis-yet');
  // On Cluster: a plain ioredis Cluster, as ioredis-yet's own `clusterConfig` path builds (with autopipelining,
  // ioredis itself would reject the cross-slot MGET client-side before Redis answers CROSSSLOT).
  const redis = o.topology === 'cluster' ? await newCluster(true) : await newRedis();
  // ioredis-yet is typed against cache-manager v5's Store; the hoisted `cache-manager` types are v7's.
  const redisStore = redisInsStore(redis, { ttl: TTL_L2_MS }) as unknown as Parameters<
    typeof v5.createCache
  >[0];
  const redisCache = v5.createCache(redisStore);
  const tiered = o.mode === 'tiered';
  const p = o.prefix; // ioredis-yet has no key prefix option: prefix here.
  if (tiered) {
    const memory = v5.createCache(v5.memoryStore({ max: 100_000, ttl: TTL_L1_MS }));
    const multi = v5.multiCaching([memory, redisCache]);
    return {
      lib: 'cache-manager-v5',
      label: LIB_LABEL['cache-manager-v5'],
      config: `multiCaching([memoryStore max 100k ttl 30s, redisInsStore(ioredis ${o.topology}) ttl 5m])`,
      get: (k) => multi.get(p + k),
      set: (k, v) => multi.set(p + k, v),
      getMany: (keys) => multi.mget(...keys.map((k) => p + k)),
      getOrSet: (k, loader) => multi.wrap(p + k, loader),
      delete: (k) => multi.del(p + k),
      deleteMany: (keys) => multi.mdel(...keys.map((k) => p + k)),
      close: async () => {
        await redis.quit().catch(() => undefined);
      },
    };
  }
  return {
    lib: 'cache-manager-v5',
    label: LIB_LABEL['cache-manager-v5'],
    config: `caching(redisInsStore(ioredis ${o.topology === 'cluster' ? 'Cluster, defaults' : 'standalone, autopipelining'})) ttl 5m`,
    get: (k) => redisCache.get(p + k),
    set: (k, v) => redisCache.set(p + k, v),
    getMany: (keys) => redisCache.store.mget(...keys.map((k) => p + k)),
    getOrSet: (k, loader) => redisCache.wrap(p + k, loader),
    delete: (k) => redisCache.del(p + k),
    deleteMany: (keys) => redisCache.store.mdel(...keys.map((k) => p + k)),
    close: async () => {
      await redis.quit().catch(() => undefined);
    },
  };
}

async function lru(lib: 'lru-cache' | 'lru-cache-sync'): Promise<BenchCache> {
  const { LRUCache } = await import('lru-cache');
  const cache = new LRUCache<string, BenchValue>({ max: 100_000, ttl: TTL_L1_MS });
  const sync = lib === 'lru-cache-sync';
  return {
    lib,
    label: LIB_LABEL[lib],
    config: sync
      ? 'LRUCache({ max: 100k, ttl: 30s }).get(), no await: the raw in-memory ceiling'
      : 'LRUCache({ max: 100k, ttl: 30s }) behind async get(): same Promise contract as the caches',
    get: async (k) => cache.get(k),
    set: async (k, v) => {
      cache.set(k, v);
    },
    delete: async (k) => {
      cache.delete(k);
    },
    close: async () => undefined,
  };
}

/** The in-process stampede floor: lru-cache's own coalescing `fetch()`. */
export async function lruFetchCache(loader: () => Promise<BenchValue>) {
  const { LRUCache } = await import('lru-cache');
  return new LRUCache<string, BenchValue>({ max: 1000, fetchMethod: () => loader() });
}

async function rawIoredis(o: AdapterOptions): Promise<BenchCache> {
  const redis = await openIoredis(o);
  const p = o.prefix;
  return {
    lib: 'ioredis',
    label: LIB_LABEL.ioredis,
    config: `ioredis ${o.topology} ${JSON.stringify(IOREDIS_OPTIONS)}; GET + JSON.parse`,
    get: async (k) => {
      const s = await redis.get(p + k);
      return s === null ? undefined : JSON.parse(s);
    },
    set: async (k, v) => {
      await redis.set(p + k, JSON.stringify(v), 'PX', TTL_L2_MS);
    },
    delete: async (k) => {
      await redis.unlink(p + k);
    },
    close: async () => {
      await redis.quit().catch(() => undefined);
    },
  };
}
