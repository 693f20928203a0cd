import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import type { ServiceConfig } from '@platform/config';
import { InboxService } from '@platform/database';
import { RunningService, SERVICE_CONFIG } from '@platform/service-kit';
import { eventually, readJson, readOutbox, sendJson, stackEnv } from '@platform/service-kit/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { BID_STALE_BOUND_MS, BidCacheKeys } from '../src';
import { BidInstancePair, startBidInstancePair } from './bid-instance-pair';

/**
 * The refill after a write, on the real stack (two instances, one L2 and bus, real Postgres and Kafka): a
 * change still evicts `bid:{bidID}` everywhere, and the bid is then reloaded into the cache right after the
 * writer's and the consumer's evictions, if someone read it lately; so the next read on either instance is a
 * cache hit with the new value. A refill never puts back a value a later change replaced.
 */
describe('bid service: refill after a write (two instances, real Postgres, Redis, Kafka)', () => {
  let pair: BidInstancePair;
  let redis: Redis;
  let prefix: string;
  let schema: string;
  beforeAll(async () => {
    pair = await startBidInstancePair({ name: 'bid_rf' });
    const config = pair.a.app.get<ServiceConfig>(SERVICE_CONFIG);
    prefix = config.cache.prefix;
    schema = config.database.schema;
    redis = new Redis(stackEnv()['REDIS_URL'], { lazyConnect: true });
    await redis.connect();
  }, 120000);
  afterAll(async () => {
    redis?.disconnect();
    await pair?.stop();
  }, 60000);

  const cacheOf = (instance: RunningService) => instance.app.get<TieredCache>(CACHE_INSTANCE);
  /** The value L2 holds for `key` (read from Redis directly, so no instance's L1 is filled by looking). */
  const inL2 = async (key: string): Promise<Record<string, unknown> | undefined> => {
    const raw = await redis.get(`${prefix}${key}`);
    return raw === null ? undefined : (JSON.parse(raw) as { v: Record<string, unknown> }).v;
  };
  /** L2 misses of the `bid` namespace counted by `instance` so far. */
  const l2Misses = async (instance: RunningService): Promise<number> => {
    const text = await (await fetch(`${instance.httpUrl}/metrics`)).text();
    let total = 0;
    for (const line of text.split('\n'))
      if (
        line.startsWith('cache_misses_total{') &&
        line.includes('layer="l2"') &&
        line.includes('namespace="bid"')
      )
        total += Number(line.slice(line.lastIndexOf(' ') + 1));
    return total;
  };
  /** Resolves once the consumer group has handled every event queued for `bidId` (evicted, refill started). */
  const consumed = async (bidId: string) => {
    const inbox = pair.a.app.get(InboxService);
    const rows = await readOutbox(stackEnv()['DATABASE_URL'], schema, bidId);
    await eventually(async () => {
      for (const row of rows) if (!(await inbox.has(row.payload.eventId))) return false;
      return true;
    }, 30000);
  };
  const getBid = async (instance: RunningService, id: string) => {
    const response = await fetch(`${instance.httpUrl}/bids/${id}`);
    expect(response.status).toBe(200);
    return readJson(response);
  };
  const createBid = async (amountCents = 100) => {
    const buyerId = `buyer-${randomUUID()}`;
    pair.peers.profiles.set(buyerId, { states: ['CA'], minBidCents: 1, active: true });
    const created = await sendJson('POST', `${pair.a.httpUrl}/bids`, {
      callId: `call-${randomUUID()}`,
      buyerId,
      amountCents,
    });
    expect(created.status).toBe(201);
    return (await readJson(created)).id as string;
  };
  const patchAmount = async (instance: RunningService, id: string, amountCents: number) => {
    const patched = await sendJson('PATCH', `${instance.httpUrl}/bids/${id}`, { amountCents });
    expect(patched.status).toBe(200);
  };

  it('should answer the new value on A and on B as a cache hit once the write is consumed', async () => {
    const id = await createBid(100);
    // Read on both instances: the key is now one someone reads.
    for (const instance of [pair.a, pair.b])
      expect(await getBid(instance, id)).toMatchObject({ amountCents: 100 });

    await patchAmount(pair.a, id, 200);
    const acknowledgedAt = Date.now();
    await consumed(id);
    // No read in between: only the refill can have put the new value back into L2.
    await eventually(async () => (await inL2(BidCacheKeys.bid(id)))?.['amountCents'] === 200, 15000);
    // And past the published stale bound, so the reads below also check that bound.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, acknowledgedAt + BID_STALE_BOUND_MS - Date.now())),
    );

    const missesBefore = (await l2Misses(pair.a)) + (await l2Misses(pair.b));
    for (const instance of [pair.a, pair.b])
      expect(await getBid(instance, id)).toMatchObject({ amountCents: 200 });
    // Served by L1 or L2 on both instances: no lookup went past L2 to Postgres.
    expect((await l2Misses(pair.a)) + (await l2Misses(pair.b))).toBe(missesBefore);
  }, 120000);

  it('should not refill a bid nobody read', async () => {
    const unread = await createBid(100);
    const read = await createBid(100);
    for (const instance of [pair.a, pair.b]) await getBid(instance, read);

    await patchAmount(pair.a, unread, 300);
    await patchAmount(pair.a, read, 300);
    await consumed(unread);
    await consumed(read);
    // The read bid came back (the refills ran), the unread one stays evicted everywhere.
    await eventually(async () => (await inL2(BidCacheKeys.bid(read)))?.['amountCents'] === 300, 15000);
    expect(await inL2(BidCacheKeys.bid(unread))).toBeUndefined();
    for (const instance of [pair.a, pair.b])
      expect(cacheOf(instance).peek(BidCacheKeys.bid(unread))).toBeUndefined();
  }, 120000);

  it('should end at v3 when v2 and v3 are written back to back on two instances', async () => {
    const id = await createBid(100);
    for (const instance of [pair.a, pair.b]) await getBid(instance, id);

    // v3 commits while v2's refills (the writer's, then the consumer's) may still be loading.
    await patchAmount(pair.a, id, 200);
    await patchAmount(pair.b, id, 300);
    await consumed(id);
    // Once both are consumed, L2 holds v3 or nothing (a refill that raced another instance's eviction is
    // deleted again by the engine's repair), never v2; and both instances answer v3.
    for (let i = 0; i < 20; i++) {
      expect([undefined, 300]).toContain((await inL2(BidCacheKeys.bid(id)))?.['amountCents']);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (let i = 0; i < 3; i++)
      for (const instance of [pair.a, pair.b])
        expect(await getBid(instance, id)).toMatchObject({ amountCents: 300 });
  }, 120000);

  it('should not store a refill that a change on another instance overtook while it loaded', async () => {
    const id = await createBid(100);
    for (const instance of [pair.a, pair.b]) await getBid(instance, id);
    await patchAmount(pair.a, id, 200);
    await consumed(id);
    const v2 = await getBid(pair.a, id);
    expect(v2).toMatchObject({ amountCents: 200 });

    // A refill on A that read v2, and v3 committed on B (its eviction reaching A over the bus) before it returns.
    const a = cacheOf(pair.a);
    const full = `${prefix}${BidCacheKeys.bid(id)}`;
    const overtaken = new Promise<void>((resolve) =>
      a.on('loader:overtaken', ({ key }) => key === full && resolve()),
    );
    const refreshed = await a.namespace('bid').refresh(id, async () => {
      const heard = new Promise<void>((resolve) =>
        a.on('bus:received', ({ ops }) => {
          if (ops.some((op) => op.type === 'keys' && op.keys.includes(full))) resolve();
        }),
      );
      await patchAmount(pair.b, id, 300);
      await heard;
      return v2;
    });
    expect(refreshed).toMatchObject({ amountCents: 200 });
    await overtaken;
    // The engine dropped the overtaken value: neither L2 nor A's L1 holds v2 (v3's own refill may be there).
    expect((await inL2(BidCacheKeys.bid(id)))?.['amountCents']).not.toBe(200);
    expect((a.peek(BidCacheKeys.bid(id)) as { amountCents?: number } | undefined)?.amountCents).not.toBe(200);
    for (const instance of [pair.a, pair.b])
      expect(await getBid(instance, id)).toMatchObject({ amountCents: 300 });
  }, 120000);
});
