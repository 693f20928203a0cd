import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { connectRedis, createRedisConnection, type RedisConnection } from '../redis-connection';
import { registerDriverContractSuite } from '../testing/driver-contract';
import { DEFAULT_LEASE_KEY_SUFFIX, DEFAULT_TAG_KEY_PREFIX, RedisDriver, escapeGlob } from './redis.driver';
import { keySlot } from '../core/cluster-slots';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:16379';
const CLUSTER_NODES = (
  process.env['REDIS_CLUSTER_NODES'] ??
  '127.0.0.1:17001,127.0.0.1:17002,127.0.0.1:17003,127.0.0.1:17004,127.0.0.1:17005,127.0.0.1:17006'
).split(',');

const openStandalone = () => connectRedis(createRedisConnection({ mode: 'standalone', url: REDIS_URL }));
const openCluster = () => connectRedis(createRedisConnection({ mode: 'cluster', nodes: CLUSTER_NODES }));

registerDriverContractSuite(
  'RedisDriver (standalone)',
  async () => {
    const client = await openStandalone();
    return {
      driver: new RedisDriver(client),
      prefix: `contract:redis:${randomUUID()}:`,
      cleanup: () => quit(client),
    };
  },
  { tags: true, leases: true, compareAndDelete: true },
);

registerDriverContractSuite(
  'RedisDriver (cluster)',
  async () => {
    const client = await openCluster();
    return {
      driver: new RedisDriver(client),
      prefix: `contract:redis-cluster:${randomUUID()}:`,
      cleanup: () => quit(client),
    };
  },
  { tags: true, leases: true, compareAndDelete: true },
);

async function quit(client: RedisConnection): Promise<void> {
  await client.quit().catch(() => client.disconnect());
}

/** Direct connections to each master of the Cluster, with the slot ranges each one serves. */
async function openMasters(): Promise<{ client: Redis; ranges: [number, number][] }[]> {
  const [host, port] = CLUSTER_NODES[0].split(':');
  const seed = new Redis({ host, port: Number(port), lazyConnect: true });
  await seed.connect();
  try {
    const slots = (await seed.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
    const byMaster = new Map<string, [number, number][]>();
    for (const [from, to, [masterHost, masterPort]] of slots) {
      const id = `${masterHost}:${masterPort}`;
      byMaster.set(id, [...(byMaster.get(id) ?? []), [from, to]]);
    }
    return Promise.all(
      [...byMaster].map(async ([id, ranges]) => {
        const [h, p] = id.split(':');
        const client = new Redis({ host: h, port: Number(p), lazyConnect: true });
        await client.connect();
        return { client, ranges };
      }),
    );
  } finally {
    seed.disconnect();
  }
}

const scanAll = async (node: Redis, pattern: string): Promise<string[]> => {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
};

describe(RedisDriver, () => {
  let standalone: RedisConnection;
  let cluster: RedisConnection;
  let masters: { client: Redis; ranges: [number, number][] }[];
  const prefix = `it:redis-driver:${randomUUID()}:`;

  const masterOf = (key: string) => {
    const slot = keySlot(key);
    return masters.findIndex(({ ranges }) => ranges.some(([from, to]) => slot >= from && slot <= to));
  };

  beforeAll(async () => {
    [standalone, cluster, masters] = await Promise.all([openStandalone(), openCluster(), openMasters()]);
    expect(masters).toHaveLength(3);
  });

  afterAll(async () => {
    await new RedisDriver(standalone).deleteByPrefix(prefix).catch(() => undefined);
    await new RedisDriver(cluster).deleteByPrefix(prefix).catch(() => undefined);
    await Promise.all([quit(standalone), quit(cluster), ...masters.map(({ client }) => quit(client))]);
  });

  describe('name', () => {
    it("should be 'redis' on a standalone client and 'redis-cluster' on a Cluster", () => {
      expect(new RedisDriver(standalone).name).toBe('redis');
      expect(new RedisDriver(cluster).name).toBe('redis-cluster');
    });
  });

  describe('keySlot()', () => {
    it('should compute the slot Redis computes, hash tags and UTF-8 included', async () => {
      const keys = [
        'plain',
        `${prefix}k1`,
        '{user1000}.following',
        'foo{}{bar}',
        'foo{{bar}}zap',
        'foo{bar}{zap}',
        '{}',
        'ü€日本{тег}',
        'emoji 😀 key',
        '',
      ];
      for (const key of keys)
        expect(keySlot(key)).toBe(Number(await masters[0].client.cluster('KEYSLOT', key)));
    });
  });

  describe('escapeGlob()', () => {
    it('should escape every glob metacharacter', () => {
      expect(escapeGlob('a*b?c[d]e\\f')).toBe('a\\*b\\?c\\[d\\]e\\\\f');
    });
  });

  describe('set()', () => {
    it('should store the value with a PX TTL', async () => {
      for (const client of [standalone, cluster]) {
        const key = `${prefix}ttl:${randomUUID()}`;
        await new RedisDriver(client).set(key, 'v', 30_000);
        const pttl = await client.pttl(key);
        expect(pttl).toBeGreaterThan(0);
        expect(pttl).toBeLessThanOrEqual(30_000);
      }
    });

    it('should reject a TTL that is not a positive finite number without writing', async () => {
      const key = `${prefix}bad-ttl`;
      await expect(new RedisDriver(standalone).set(key, 'v', 0)).rejects.toMatchObject({
        code: 'E_CACHE_INVALID_TTL',
      });
      expect(await standalone.exists(key)).toBe(0);
    });
  });

  describe('getMany() / setMany() / deleteMany() on Cluster', () => {
    it('should handle 100 keys spanning all 3 masters, without CROSSSLOT', async () => {
      const driver = new RedisDriver(cluster);
      const keys = Array.from({ length: 100 }, (_, i) => `${prefix}span:${i}`);
      const perMaster = [0, 0, 0];
      for (const key of keys) perMaster[masterOf(key)]++;
      expect(perMaster.every((count) => count > 0)).toBe(true);
      // The raw multi-key command really would fail: the grouping is what makes it work.
      await expect(cluster.mget(keys.slice(0, 10))).rejects.toThrow(/CROSSSLOT|same slot/);

      await driver.setMany(keys.map((key, i) => ({ key, value: `v${i}`, ttlMs: 60_000 })));
      for (const [m, { client }] of masters.entries()) {
        const own = keys.filter((key) => masterOf(key) === m);
        const held = await Promise.all(own.map((key) => client.exists(key)));
        expect(held.every((count) => count === 1)).toBe(true); // each master really holds its share
      }
      expect(await driver.getMany(keys)).toEqual(keys.map((_, i) => `v${i}`));
      expect(await driver.deleteMany(keys)).toBe(100);
      expect(await driver.getMany(keys)).toEqual(keys.map(() => undefined));
    });

    it('should keep keys sharing a hash tag in one slot and still answer in order', async () => {
      const driver = new RedisDriver(cluster);
      const keys = Array.from({ length: 30 }, (_, i) =>
        i % 2 === 0 ? `${prefix}{same}:${i}` : `${prefix}other:${i}`,
      );
      await driver.setMany(keys.map((key, i) => ({ key, value: `v${i}`, ttlMs: 60_000 })));
      expect(await driver.getMany(keys)).toEqual(keys.map((_, i) => `v${i}`));
      expect(await driver.deleteMany(keys)).toBe(30);
    });
  });

  describe('writes issued in one tick', () => {
    it.each([
      ['standalone', () => standalone],
      ['cluster', () => cluster],
    ])('should apply a setMany after a set of the same key in call order (%s)', async (_mode, client) => {
      // The connections auto-pipeline: a `set` waits for the next flush. A batch written at once would reach
      // Redis before it, and the older value would win.
      const driver = new RedisDriver(client());
      // One hash tag: on Cluster the batch's keys share the slot, so they travel together as one batch.
      const tag = `{${randomUUID()}}`;
      const key = `${prefix}order:${tag}`;
      const others = Array.from({ length: 5 }, (_, i) => `${prefix}order-other:${i}:${tag}`);
      const first = driver.set(key, 'old', 60_000);
      const second = driver.setMany([key, ...others].map((k) => ({ key: k, value: 'new', ttlMs: 60_000 })));
      await Promise.all([first, second]);
      expect(await driver.get(key)).toBe('new');
      await driver.deleteMany([key, ...others]);
    });
  });

  describe('getMany() / setMany() on standalone', () => {
    it('should split large batches into chunks and keep the order', async () => {
      const driver = new RedisDriver(standalone, { batchSize: 7 });
      const keys = Array.from({ length: 50 }, (_, i) => `${prefix}chunk:${i}`);
      await driver.setMany(keys.map((key, i) => ({ key, value: `v${i}`, ttlMs: 60_000 })));
      expect(await driver.getMany([...keys, `${prefix}chunk:none`])).toEqual([
        ...keys.map((_, i) => `v${i}`),
        undefined,
      ]);
      expect(await driver.deleteMany(keys)).toBe(50);
    });
  });

  describe('deleteByPrefix() on Cluster', () => {
    it('should remove the keys on every master, and nothing else', async () => {
      const driver = new RedisDriver(cluster, { scanCount: 50 });
      const base = `${prefix}dbp:${randomUUID()}:`;
      const keys = Array.from({ length: 300 }, (_, i) => `${base}in:${i}`);
      const outside = Array.from({ length: 30 }, (_, i) => `${base}out:${i}`);
      await driver.setMany([...keys, ...outside].map((key) => ({ key, value: 'v', ttlMs: 60_000 })));
      const before = await Promise.all(
        masters.map(({ client }) => scanAll(client, `${escapeGlob(base)}in:*`)),
      );
      expect(before.every((found) => found.length > 0)).toBe(true);
      expect(before.flat()).toHaveLength(300);

      expect(await driver.deleteByPrefix(`${base}in:`)).toBe(300);

      const after = await Promise.all(masters.map(({ client }) => scanAll(client, `${escapeGlob(base)}*`)));
      expect(after.flat().sort()).toEqual([...outside].sort());
    });

    it('should work on a fresh Cluster client whose node connections are still lazy', async () => {
      const fresh = await openCluster();
      try {
        const driver = new RedisDriver(fresh);
        const base = `${prefix}lazy:${randomUUID()}:`;
        const keys = Array.from({ length: 20 }, (_, i) => `${base}${i}`);
        await new RedisDriver(cluster).setMany(keys.map((key) => ({ key, value: 'v', ttlMs: 60_000 })));
        expect(await driver.deleteByPrefix(base)).toBe(20);
      } finally {
        await quit(fresh);
      }
    });
  });

  describe('tags', () => {
    it(`should keep each tag in a SET named ${DEFAULT_TAG_KEY_PREFIX}<tag> whose TTL only grows`, async () => {
      for (const client of [standalone, cluster]) {
        const driver = new RedisDriver(client);
        const tag = `${prefix}tag:${randomUUID()}`;
        await driver.tags.add(`${prefix}a`, [tag], 60_000);
        await driver.tags.add(`${prefix}b`, [tag], 1_000);
        const tagKey = `${DEFAULT_TAG_KEY_PREFIX}${tag}`;
        expect(await client.type(tagKey)).toBe('set');
        expect(await client.pttl(tagKey)).toBeGreaterThan(30_000);
        expect((await client.smembers(tagKey)).sort()).toEqual([`${prefix}a`, `${prefix}b`]);
        expect((await driver.tags.take([tag])).sort()).toEqual([`${prefix}a`, `${prefix}b`]);
        expect(await client.exists(tagKey)).toBe(0);
      }
    });

    it('should give a TTL to a tag set that had none', async () => {
      const tag = `${prefix}tag:${randomUUID()}`;
      const tagKey = `${DEFAULT_TAG_KEY_PREFIX}${tag}`;
      await standalone.sadd(tagKey, 'old-member');
      await new RedisDriver(standalone).tags.add(`${prefix}a`, [tag], 60_000);
      const pttl = await standalone.pttl(tagKey);
      expect(pttl).toBeGreaterThan(0);
      await standalone.del(tagKey);
    });

    it('should honour a custom tag key prefix', async () => {
      const driver = new RedisDriver(standalone, { tagKeyPrefix: `${prefix}tags/` });
      await driver.tags.add(`${prefix}a`, ['t'], 60_000);
      expect(await standalone.smembers(`${prefix}tags/t`)).toEqual([`${prefix}a`]);
      expect(await driver.tags.take(['t'])).toEqual([`${prefix}a`]);
    });
  });

  describe('leases', () => {
    it(`should hold the token at <key>${DEFAULT_LEASE_KEY_SUFFIX} with a PX TTL`, async () => {
      for (const client of [standalone, cluster]) {
        const driver = new RedisDriver(client);
        const key = `${prefix}lease:${randomUUID()}`;
        expect(await driver.leases.acquire(key, 'token-1', 30_000)).toBe(true);
        expect(await client.get(`${key}${DEFAULT_LEASE_KEY_SUFFIX}`)).toBe('token-1');
        expect(await client.pttl(`${key}${DEFAULT_LEASE_KEY_SUFFIX}`)).toBeGreaterThan(0);
        await driver.leases.release(key, 'token-1');
        expect(await client.exists(`${key}${DEFAULT_LEASE_KEY_SUFFIX}`)).toBe(0);
      }
    });

    it('should still release after the script cache was flushed (EVALSHA falls back to EVAL)', async () => {
      const server = new Redis(REDIS_URL, { lazyConnect: true });
      await server.connect();
      try {
        const driver = new RedisDriver(standalone);
        const key = `${prefix}lease:${randomUUID()}`;
        await driver.leases.acquire(key, 'token', 30_000);
        await server.script('FLUSH'); // scripts only, never data
        await driver.leases.release(key, 'token');
        expect(await driver.leases.isHeld(key)).toBe(false);
      } finally {
        server.disconnect();
      }
    });
  });

  describe('disconnect()', () => {
    it('should leave a client it was given open', async () => {
      const client = await openStandalone();
      try {
        await new RedisDriver(client).disconnect();
        expect(await client.ping()).toBe('PONG');
      } finally {
        await quit(client);
      }
    });

    it('should close the client when it owns it', async () => {
      const client = await openStandalone();
      await new RedisDriver(client, { ownsClient: true }).disconnect();
      await expect(client.ping()).rejects.toThrow();
    });
  });
});
