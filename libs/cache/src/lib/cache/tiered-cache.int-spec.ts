import { CacheErrorCode } from '../core/errors';
import type { RedisConnection } from '../redis-connection';
import { openRedis, REDIS_TARGETS, uniquePrefix, until } from '../../test-support/redis-targets';
import type { Cache, CacheOptions, TtlOption } from './cache.types';
import { RedisInvalidationBus } from '../bus/redis-bus';
import { useCacheFixture } from '../../test-support/cache-fixture';
import { createCache } from './create-cache';

interface Bid {
  id: string;
  amount: number;
}

describe.each(REDIS_TARGETS)('TieredCache on real Redis (%s)', (target) => {
  const fixture = useCacheFixture(target);
  let redis: RedisConnection;

  beforeAll(() => {
    redis = fixture.redis();
  });

  /** Two "instances" sharing L2 and a bus channel, as two pods would. */
  async function pair(options: CacheOptions = {}) {
    const prefix = uniquePrefix(`tiered-${target}`);
    const make = async (instanceId: string) => {
      const cache = createCache({ prefix, l2: { redis }, instanceId, metrics: false, ...options });
      fixture.track(cache);
      await cache.connect();
      return cache;
    };
    return { prefix, a: await make('a'), b: await make('b') };
  }

  describe('get() / set()', () => {
    /** The ways a reader fills its L1 from L2; each must cap the copy it keeps. */
    const readPaths: [string, (cache: Cache<Bid>, key: string) => Promise<Bid | undefined>][] = [
      ['get()', (cache, key) => cache.get(key)],
      ['getMany()', async (cache, key) => (await cache.getMany([key]))[0]],
      ['getOrSet()', (cache, key) => cache.getOrSet(key, () => ({ id: key, amount: -1 }))],
    ];

    /**
     * A writer stores bid `1` (amount 1), the reader reads it (filling its L1 from L2), then the value changes
     * in L2 only, as when the invalidation message is lost. The reader must come back to L2 once its L1 copy
     * ends, instead of serving amount 1 for as long as L2 would have kept it.
     */
    async function readerAfterLostInvalidation(
      read: (cache: Cache<Bid>, key: string) => Promise<Bid | undefined>,
      namespaceTtl: TtlOption,
      writeTtl?: TtlOption,
    ): Promise<void> {
      const { prefix, a, b } = await pair({ namespaces: { bid: { ttl: namespaceTtl } } });
      // The write's own bus message would evict the reader's copy: let it land before the reader reads.
      const told = new Promise((resolve) => b.on('bus:received', resolve));
      await a.namespace<Bid>('bid').set('1', { id: '1', amount: 1 }, { ttl: writeTtl });
      await told;
      const reader = b.namespace<Bid>('bid');
      expect(await read(reader, '1')).toEqual({ id: '1', amount: 1 });

      const changed = { v: { id: '1', amount: 2 }, e: Date.now() + 60_000 };
      await redis.set(`${prefix}bid:1`, JSON.stringify(changed), 'PX', 60_000);
      // Still amount 1: the reader serves its L1 copy (no bus message told it otherwise)...
      expect(await read(reader, '1')).toEqual({ id: '1', amount: 1 });
      // ...until that copy ends; before the fix it lived as long as the L2 entry (a minute).
      await until(async () => (await read(reader, '1'))?.amount === 2, 10_000, 'the reader to re-read L2');
    }

    it.each(readPaths)(
      'should keep an entry %s backfills from L2 in L1 no longer than the L1 TTL',
      async (_, read) => {
        await readerAfterLostInvalidation(read, { l1: '1s', l2: '1m' });
      },
    );

    it.each(readPaths)(
      'should keep an entry %s backfills from L2 in L1 no longer than its remaining L2 lifetime',
      async (_, read) => {
        // The namespace lets L1 keep entries for a minute, but this one ends in L2 after 1.5 s.
        await readerAfterLostInvalidation(read, { l1: '1m', l2: '1m' }, '1500ms');
      },
    );

    it('should store keys under the spec names (prefix + namespace + key)', async () => {
      const { prefix, a } = await pair();
      await a.namespace('bids').set('call:77', [{ id: 'x' }]);
      const raw = await redis.get(`${prefix}bids:call:77`);
      expect(JSON.parse(raw as string).v).toEqual([{ id: 'x' }]);
    });

    it('should evict the key from the other instance L1 when it is overwritten (bus)', async () => {
      const { a, b } = await pair({ ttl: { l1: '5m', l2: '10m' } });
      await a.namespace('bid').set('2', { id: '2', amount: 1 });
      expect(await b.namespace('bid').get('2')).toEqual({ id: '2', amount: 1 });

      await a.namespace('bid').set('2', { id: '2', amount: 2 });
      // Without the bus, B would serve amount 1 from L1 for five minutes.
      await until(
        async () => (await b.namespace<Bid>('bid').get('2'))?.amount === 2,
        3000,
        'B to see the new value',
      );
    });

    it('should evict the key from the other instance L1 on delete', async () => {
      const { a, b } = await pair({ ttl: { l1: '5m', l2: '10m' } });
      await a.set('k', 'v');
      expect(await b.get('k')).toBe('v');
      expect(await a.delete('k')).toBe(true);
      await until(async () => (await b.get('k')) === undefined, 3000, 'B to drop the key');
    });
  });

  describe('getMany() / setMany() / deleteMany()', () => {
    it('should batch 100 keys spread over every slot without a CROSSSLOT error', async () => {
      const { a, b } = await pair();
      const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
      await a.setMany(keys.map((key, i) => ({ key, value: { i } })));
      expect(await b.getMany([...keys, 'absent'])).toEqual([...keys.map((_, i) => ({ i })), undefined]);
      expect(await a.deleteMany(keys.slice(0, 50))).toBe(50);
      // L2 is already updated; B's L1 copies go when the bus message lands (a few ms).
      await until(
        async () => (await b.getMany(keys)).filter((value) => value !== undefined).length === 50,
        3000,
        'B to drop the deleted keys',
      );
    });

    it('should write nothing when one entry of a batch is invalid', async () => {
      const { a } = await pair();
      const circular: Record<string, unknown> = {};
      circular['self'] = circular;
      await expect(
        a.setMany([
          { key: 'ok', value: 1 },
          { key: 'bad', value: circular },
        ]),
      ).rejects.toMatchObject({ code: CacheErrorCode.InvalidValue });
      expect(await a.get('ok')).toBeUndefined();
    });
  });

  describe('invalidateTags()', () => {
    it('should remove tagged entries from L2 and from every instance L1', async () => {
      const { a, b } = await pair({ ttl: { l1: '5m', l2: '10m' } });
      // B writes, so the entries sit in B's L1 and only the tag message can evict them there.
      const bidsB = b.namespace('bids');
      await bidsB.set('buyer:7:active', ['b1'], { tags: ['buyer:7'] });
      await bidsB.set('call:1', ['b1'], { tags: ['buyer:7', 'call:1'] });
      await bidsB.set('call:2', ['b2'], { tags: ['call:2'] });

      expect(await a.namespace('bids').invalidateTags(['buyer:7'])).toBe(2);
      await until(
        async () =>
          JSON.stringify(await bidsB.getMany(['buyer:7:active', 'call:1', 'call:2'])) ===
          JSON.stringify([null, null, ['b2']]),
        3000,
        'B to drop both tagged keys and keep the other',
      );
    });
  });

  describe('clear()', () => {
    it('should clear one namespace on every master and every instance, leaving the others', async () => {
      const { a, b } = await pair({ ttl: { l1: '5m', l2: '10m' } });
      const keys = Array.from({ length: 60 }, (_, i) => `${i}`);
      await a.namespace('routing').setMany(keys.map((key) => ({ key, value: key })));
      await a.namespace('bid').set('keep', 'kept');
      expect(await b.namespace('routing').get('5')).toBe('5');

      expect(await a.clear('routing')).toBe(60);
      await until(
        async () => (await b.namespace('routing').get('5')) === undefined,
        3000,
        'B to drop routing',
      );
      expect(await b.namespace('routing').getMany(keys)).toEqual(keys.map(() => undefined));
      expect(await b.namespace('bid').get('keep')).toBe('kept');
    });

    it('should refuse to clear the whole root when there is no prefix', async () => {
      const cache = createCache({ l2: { redis }, metrics: false, bus: false });
      fixture.track(cache);
      await expect(cache.clear()).rejects.toMatchObject({ code: CacheErrorCode.InvalidOption });
    });
  });

  describe('peek()', () => {
    it("should miss once another instance's set, delete or tag invalidation reaches this one over the bus", async () => {
      const { a, b } = await pair();
      /** Runs a write on b and waits until its bus message was applied by a. */
      const onB = async (write: () => Promise<unknown>) => {
        const applied = new Promise<void>((resolve) => {
          const done = () => {
            a.off('bus:received', done);
            resolve();
          };
          a.on('bus:received', done);
        });
        await write();
        await applied;
      };
      const rules = a.namespace<string>('compliance');
      const peer = b.namespace<string>('compliance');

      await onB(() => peer.set('tcpa:v1', 'v1', { tags: ['tcpa'] }));
      expect(await rules.get('tcpa:v1')).toBe('v1'); // fills a's L1 from L2
      expect(rules.peek('tcpa:v1')).toBe('v1');
      await onB(() => peer.set('tcpa:v1', 'v2', { tags: ['tcpa'] }));
      expect(rules.peek('tcpa:v1')).toBeUndefined();

      expect(await rules.get('tcpa:v1')).toBe('v2');
      expect(rules.peek('tcpa:v1')).toBe('v2');
      await onB(() => peer.invalidateTags(['tcpa']));
      expect(rules.peek('tcpa:v1')).toBeUndefined();

      await onB(() => peer.set('dnc:1', 'listed'));
      expect(await rules.get('dnc:1')).toBe('listed');
      expect(rules.peek('dnc:1')).toBe('listed');
      await onB(() => peer.delete('dnc:1'));
      expect(rules.peek('dnc:1')).toBeUndefined();
    });
  });

  describe('bus resync', () => {
    it('should drop L1 when the bus subscriber reconnects, since messages may have been missed', async () => {
      const prefix = uniquePrefix(`resync-${target}`);
      const name = `resync-${prefix.replace(/[^a-z0-9]/gi, '')}`;
      const subscriber = await openRedis(target, name);
      const bus = new RedisInvalidationBus({
        publisher: redis,
        subscriber,
        channel: `${prefix}bus`,
        instanceId: 'b',
      });
      const b = createCache({
        prefix,
        l2: { redis },
        bus: { bus },
        metrics: false,
        ttl: { l1: '5m', l2: '10m' },
      });
      fixture.track(b);
      await b.connect();
      await b.set('x', 1);
      expect(await b.get('x')).toBe(1);
      const resynced = new Promise<string>((resolve) => b.on('bus:resync', (e) => resolve(e.reason)));

      // While B is deaf, the value changes in L2 only: the invalidation B would have received is lost.
      await killConnectionsNamed(redis, name);
      await redis.set(`${prefix}x`, JSON.stringify({ v: 2, e: Date.now() + 60_000 }), 'PX', 60_000);
      expect(await resynced).toBe('reconnect');
      expect(await b.get('x')).toBe(2);
      await subscriber.quit();
    });
  });

  describe('bad input', () => {
    it('should reject bad keys, TTLs and values with typed codes and keep the previous value', async () => {
      const { a } = await pair({ l1: { maxEntryBytes: '2KB' } });
      await a.set('key', 'before');
      await expect(a.get('')).rejects.toMatchObject({ code: CacheErrorCode.InvalidKey });
      await expect(a.set('x'.repeat(2000), 1)).rejects.toMatchObject({ code: CacheErrorCode.InvalidKey });
      await expect(a.set(42 as unknown as string, 1)).rejects.toMatchObject({
        code: CacheErrorCode.InvalidKey,
      });
      await expect(a.set('key', 1, { ttl: Number.NaN })).rejects.toMatchObject({
        code: CacheErrorCode.InvalidTtl,
      });
      await expect(a.set('key', 1, { ttl: { l1: '1s', l2: -5 } })).rejects.toMatchObject({
        code: CacheErrorCode.InvalidTtl,
      });
      await expect(a.set('key', 1, { ttl: '5 fortnights' as never })).rejects.toMatchObject({
        code: CacheErrorCode.InvalidTtl,
      });
      await expect(a.set('key', 10n as unknown as string)).rejects.toMatchObject({
        code: CacheErrorCode.InvalidValue,
      });
      await expect(a.set('key', undefined as unknown as string)).rejects.toMatchObject({
        code: CacheErrorCode.InvalidValue,
      });
      await expect(a.set('key', 'x'.repeat(4096))).rejects.toMatchObject({
        code: CacheErrorCode.EntryTooLarge,
      });
      await expect(a.set('key', 1, { tags: [''] })).rejects.toMatchObject({
        code: CacheErrorCode.InvalidOption,
      });
      expect(() => a.namespace('bad space')).toThrow(
        expect.objectContaining({ code: CacheErrorCode.InvalidOption }),
      );
      expect(await a.get('key')).toBe('before');
    });
  });
});

/** Server-side kill of the connections with a given client name, on every node (forces a reconnect). */
async function killConnectionsNamed(redis: RedisConnection, name: string): Promise<void> {
  const nodes = 'nodes' in redis && typeof redis.nodes === 'function' ? redis.nodes('all') : [redis];
  let killed = 0;
  await Promise.all(
    nodes.map(async (node) => {
      const list = (await node.call('CLIENT', 'LIST')) as string;
      for (const line of list.split('\n')) {
        const id = /id=(\d+)/.exec(line)?.[1];
        if (id && line.includes(` name=${name}`)) {
          await node.call('CLIENT', 'KILL', 'ID', id);
          killed++;
        }
      }
    }),
  );
  if (killed === 0) throw new Error(`no connection named ${name} to kill`);
}
