import { randomUUID } from 'node:crypto';
import { memoryStore } from 'cache-manager-v5';
import { redisInsStore, redisStore } from 'cache-manager-ioredis-yet';
import { Cluster, Redis } from 'ioredis';
import { connectRedis, createRedisConnection, type RedisConnection } from '../redis-connection';
import { registerDriverContractSuite } from '../testing/driver-contract';
import { LegacyStoreDriver, type LegacyStore } from './legacy-store.driver';
import { keySlot } from '../core/cluster-slots';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:16379';
const CLUSTER_NODES = (
  process.env['REDIS_CLUSTER_NODES'] ??
  '127.0.0.1:17001,127.0.0.1:17002,127.0.0.1:17003,127.0.0.1:17004,127.0.0.1:17005,127.0.0.1:17006'
).split(',');
const clusterSeeds = () =>
  CLUSTER_NODES.map((node) => ({ host: node.split(':')[0], port: Number(node.split(':')[1]) }));

/**
 * ioredis-yet's `RedisStore` type extends `Store` from 'cache-manager', which resolves to v7 here (no `Store`
 * there), so its type lacks get/set/mget…; at run time it is a full v5 store.
 */
const asLegacy = (store: unknown) =>
  store as LegacyStore & Required<Pick<LegacyStore, 'mget' | 'mset' | 'mdel' | 'keys'>>;

const openCluster = () => connectRedis(createRedisConnection({ mode: 'cluster', nodes: CLUSTER_NODES }));
const quit = async (client: RedisConnection) => {
  await client.quit().catch(() => client.disconnect());
};

/** ioredis-yet's own client for a standalone server, as services configure it (`redisStore({ host, port })`). */
const standaloneStore = async () => {
  const url = new URL(REDIS_URL);
  const store = await redisStore({ host: url.hostname, port: Number(url.port), lazyConnect: true });
  await (store.client as Redis).connect();
  return store;
};

registerDriverContractSuite(
  'LegacyStoreDriver over cache-manager-ioredis-yet (standalone)',
  async () => {
    const store = await standaloneStore();
    return {
      driver: new LegacyStoreDriver(asLegacy(store)),
      prefix: `contract:legacy:${randomUUID()}:`,
      cleanup: () => quit(store.client),
    };
  },
  { tags: true, leases: true, compareAndDelete: false },
);

registerDriverContractSuite(
  'LegacyStoreDriver over cache-manager-ioredis-yet (cluster, redisInsStore)',
  async () => {
    const cluster = await openCluster();
    return {
      driver: new LegacyStoreDriver(asLegacy(redisInsStore(cluster))),
      prefix: `contract:legacy-cluster:${randomUUID()}:`,
      cleanup: () => quit(cluster),
    };
  },
  { tags: true, leases: true, compareAndDelete: false },
);

registerDriverContractSuite(
  'LegacyStoreDriver over the cache-manager v5 memory store',
  async () => ({
    driver: new LegacyStoreDriver(memoryStore({ max: 10_000, ttl: 60_000 })),
    prefix: `contract:legacy-memory:`,
  }),
  { tags: false, leases: false, compareAndDelete: false },
);

registerDriverContractSuite(
  'LegacyStoreDriver over a minimal store (get/set/del/keys only)',
  async () => {
    const inner = memoryStore({ max: 10_000, ttl: 60_000 });
    const minimal: LegacyStore = {
      get: (key) => inner.get(key),
      set: (key, value, ttl) => inner.set(key, value, ttl),
      del: (key) => inner.del(key),
      keys: (pattern) => inner.keys(pattern),
    };
    return { driver: new LegacyStoreDriver(minimal), prefix: `contract:legacy-minimal:` };
  },
  { tags: false, leases: false, compareAndDelete: false },
);

describe(LegacyStoreDriver, () => {
  const prefix = `it:legacy-store:${randomUUID()}:`;
  let cluster: RedisConnection;
  let standalone: Awaited<ReturnType<typeof standaloneStore>>;

  beforeAll(async () => {
    [cluster, standalone] = await Promise.all([openCluster(), standaloneStore()]);
  });

  afterAll(async () => {
    await new LegacyStoreDriver(asLegacy(redisInsStore(cluster)))
      .deleteByPrefix(prefix)
      .catch(() => undefined);
    await new LegacyStoreDriver(asLegacy(standalone)).deleteByPrefix(prefix).catch(() => undefined);
    await Promise.all([quit(cluster), quit(standalone.client)]);
  });

  describe('set()', () => {
    it('should pass the TTL to the store in milliseconds (ioredis-yet writes SET … PX)', async () => {
      const driver = new LegacyStoreDriver(asLegacy(standalone));
      const key = `${prefix}ttl`;
      await driver.set(key, 'v', 30_000);
      const pttl = await standalone.client.pttl(key);
      expect(pttl).toBeGreaterThan(1_000);
      expect(pttl).toBeLessThanOrEqual(30_000); // seconds would have given 30 000 000 ms
    });

    it('should round-trip the string although ioredis-yet stores it JSON-encoded', async () => {
      const driver = new LegacyStoreDriver(asLegacy(standalone));
      const key = `${prefix}json`;
      const value = JSON.stringify({ v: 'x', e: 1 });
      await driver.set(key, value, 30_000);
      expect(await standalone.client.get(key)).toBe(JSON.stringify(value));
      expect(await driver.get(key)).toBe(value);
    });
  });

  describe('getMany() / setMany() / deleteMany() on Cluster', () => {
    it('should work where the raw ioredis-yet batch methods fail with CROSSSLOT', async () => {
      // A plain Cluster client (no auto-pipelining) so the server's own CROSSSLOT reply is what surfaces.
      const plain = new Cluster(clusterSeeds(), { lazyConnect: true });
      await plain.connect();
      try {
        const store = asLegacy(redisInsStore(plain));
        const keys = Array.from({ length: 20 }, (_, i) => `${prefix}xslot:${i}`);
        expect(new Set(keys.map(keySlot)).size).toBeGreaterThan(1);

        await expect(store.mget(...keys)).rejects.toThrow(/CROSSSLOT/);
        await expect(store.mdel(...keys)).rejects.toThrow(/CROSSSLOT/);
        await expect(
          store.mset(
            keys.map((key) => [key, 'v']),
            30_000,
          ),
        ).rejects.toThrow();

        const driver = new LegacyStoreDriver(asLegacy(store));
        await driver.setMany(keys.map((key, i) => ({ key, value: `v${i}`, ttlMs: 30_000 })));
        expect(await driver.getMany(keys)).toEqual(keys.map((_, i) => `v${i}`));
        expect(await driver.deleteMany([...keys, `${prefix}xslot:absent`])).toBe(20);
        expect(await driver.getMany(keys)).toEqual(keys.map(() => undefined));
      } finally {
        await quit(plain);
      }
    });
  });

  describe('deleteByPrefix() on Cluster', () => {
    it('should find keys on every master, where ioredis-yet keys() sees one node only', async () => {
      const store = asLegacy(redisInsStore(cluster));
      const driver = new LegacyStoreDriver(asLegacy(store));
      const base = `${prefix}dbp:`;
      const keys = Array.from({ length: 60 }, (_, i) => `${base}${i}`);
      await driver.setMany(keys.map((key) => ({ key, value: 'v', ttlMs: 30_000 })));
      expect((await store.keys(`${base}*`)).length).toBeLessThan(60);
      expect(await driver.deleteByPrefix(base)).toBe(60);
      expect(await driver.getMany(keys)).toEqual(keys.map(() => undefined));
    });
  });

  describe('deleteByPrefix()', () => {
    it('should reject with E_CACHE_UNSUPPORTED when the store has neither keys() nor an ioredis client', async () => {
      const inner = memoryStore();
      const driver = new LegacyStoreDriver({
        get: (key) => inner.get(key),
        set: (key, value, ttl) => inner.set(key, value, ttl),
        del: (key) => inner.del(key),
      });
      await expect(driver.deleteByPrefix('x')).rejects.toMatchObject({ code: 'E_CACHE_UNSUPPORTED' });
    });
  });

  describe('tags / leases', () => {
    it('should exist only when the store exposes an ioredis client', () => {
      expect(new LegacyStoreDriver(asLegacy(standalone)).tags).toBeDefined();
      expect(new LegacyStoreDriver(asLegacy(standalone)).leases).toBeDefined();
      expect(new LegacyStoreDriver(asLegacy(redisInsStore(cluster))).tags).toBeDefined();
      expect(new LegacyStoreDriver(memoryStore()).tags).toBeUndefined();
      expect(new LegacyStoreDriver(memoryStore()).leases).toBeUndefined();
      expect(new LegacyStoreDriver({ ...memoryStore(), client: { not: 'redis' } }).tags).toBeUndefined();
    });
  });

  describe('name', () => {
    it("should default to 'legacy-store'", () => {
      expect(new LegacyStoreDriver(memoryStore()).name).toBe('legacy-store');
    });
  });

  describe('disconnect()', () => {
    it('should leave the store and its client open', async () => {
      await new LegacyStoreDriver(asLegacy(standalone)).disconnect();
      expect(await standalone.client.ping()).toBe('PONG');
    });
  });
});
