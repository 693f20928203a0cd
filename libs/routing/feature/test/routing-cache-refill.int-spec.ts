import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { SchedulerRegistry } from '@nestjs/schedule';
import {
  dropSchema,
  eventually,
  readJson,
  sendJson,
  stackEnv,
  useTestService,
  type ServiceUnderTest,
} from '@platform/service-kit/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { routingServiceSpec } from '../src';

/**
 * The refill after a criteria change on the real stack (two instances sharing one schema, one L2 and bus, one
 * consumer group; real Postgres, Redis, Kafka): the change still evicts `routing:buyer:{id}` and the routes of
 * its states everywhere, and the keys someone read lately are then reloaded right after the writer's and the
 * consumer's evictions, so the next read on either instance is a cache hit with the new value.
 */
describe('routing: refill after a criteria change (two instances; real Postgres, Redis, Kafka)', () => {
  const run = randomUUID().slice(0, 8);
  const schema = `routing_refill_${run}`;
  const prefix = `routing-refill-${run}:`;
  const shared = { DB_SCHEMA: schema, CACHE_PREFIX: prefix, KAFKA_GROUP_ID: `routing-refill-${run}` };
  const a = useTestService(routingServiceSpec(), 'routing', shared);
  const b = useTestService(routingServiceSpec(), 'routing', shared);
  let redis: Redis;
  let resumeCrons: () => void;

  beforeAll(() => {
    redis = new Redis(stackEnv()['REDIS_URL']);
    // The predictive warmer refreshes the keys it saw read: it must not be what refills them here.
    const jobs = [a, b].flatMap((service) => [...service.app.get(SchedulerRegistry).getCronJobs().values()]);
    for (const job of jobs) void job.stop();
    resumeCrons = () => jobs.forEach((job) => job.start());
  });
  afterAll(async () => {
    resumeCrons?.();
    redis?.disconnect();
    await dropSchema(stackEnv()['DATABASE_URL'], schema);
  });

  const put = async (service: ServiceUnderTest, buyerId: string, body: object) => {
    const response = await sendJson('PUT', `${service.httpUrl}/routing/buyers/${buyerId}`, {
      maxConcurrentCalls: 5,
      ...body,
    });
    expect([200, 201]).toContain(response.status);
  };
  const getBuyer = async (service: ServiceUnderTest, buyerId: string) => {
    const response = await fetch(`${service.httpUrl}/routing/buyers/${buyerId}`);
    expect(response.status).toBe(200);
    return readJson(response);
  };
  const decide = async (service: ServiceUnderTest, state: string) => {
    const response = await sendJson('POST', `${service.httpUrl}/routing/decisions`, {
      state,
      bidCents: 10_000,
    });
    expect(response.status).toBe(200);
    return ((await readJson(response)).buyers as { buyerId: string; minBidCents: number }[]).map(
      (buyer) => `${buyer.buyerId}@${buyer.minBidCents}`,
    );
  };
  /** The value L2 holds for a namespace key (from Redis directly: no instance's L1 is filled by looking). */
  const inL2 = async (key: string): Promise<unknown> => {
    const raw = await redis.get(`${prefix}routing:${key}`);
    return raw === null ? undefined : (JSON.parse(raw) as { v: unknown }).v;
  };
  /** L2 misses of the `routing` namespace counted so far by both instances. */
  const l2Misses = async () => {
    let total = 0;
    for (const service of [a, b]) {
      const text = await (await fetch(`${service.httpUrl}/metrics`)).text();
      for (const line of text.split('\n'))
        if (
          line.startsWith('cache_misses_total{') &&
          line.includes('layer="l2"') &&
          line.includes('namespace="routing"')
        )
          total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  };
  /** Waits until the consumer group has handled `events` events of the buyer (evicted, refill started). */
  const consumed = (buyerId: string, events: number) =>
    eventually(async () => {
      const rows = await a.app
        .get(DataSource)
        .query(`SELECT 1 FROM "${schema}".processed_events WHERE entity_id = $1`, [buyerId]);
      return rows.length >= events;
    }, 40000);

  it("should answer a buyer's new criteria on A and B as cache hits once consumed; its state's route is reloaded by the next decision", async () => {
    const buyerId = `hot-${run}`;
    await put(a, buyerId, { states: ['WY'], minBidCents: 100 });
    await consumed(buyerId, 1);
    for (const service of [a, b]) {
      expect(await getBuyer(service, buyerId)).toMatchObject({ minBidCents: 100 });
      expect(await decide(service, 'WY')).toEqual([`${buyerId}@100`]);
    }

    await put(a, buyerId, { states: ['WY'], minBidCents: 250 });
    await consumed(buyerId, 2);
    // No read in between: only the refill can have put the new criteria back into L2.
    await eventually(
      async () => ((await inL2(`buyer:${buyerId}`)) as { minBidCents?: number })?.minBidCents === 250,
    );
    // The route was evicted and is not refilled (a ~2,000-buyer reload per write costs more than it saves).
    expect(await inL2('geo:WY')).toBeUndefined();

    const missesBefore = await l2Misses();
    for (const service of [a, b])
      expect(await getBuyer(service, buyerId)).toMatchObject({ minBidCents: 250 });
    expect(await l2Misses()).toBe(missesBefore);
    for (const service of [a, b]) expect(await decide(service, 'WY')).toEqual([`${buyerId}@250`]);
  }, 120000);

  it('should not refill a buyer nobody read', async () => {
    const buyerId = `cold-${run}`;
    await put(a, buyerId, { states: ['SD'], minBidCents: 100 });
    await consumed(buyerId, 1);
    await put(a, buyerId, { states: ['SD'], minBidCents: 300 });
    await consumed(buyerId, 2);
    // A read buyer changed after it, whose refill shows the refills of this change have run.
    const control = `control-${run}`;
    await put(a, control, { states: ['ND'], minBidCents: 100 });
    await consumed(control, 1);
    for (const service of [a, b]) await getBuyer(service, control);
    await put(a, control, { states: ['ND'], minBidCents: 300 });
    await consumed(control, 2);
    await eventually(
      async () => ((await inL2(`buyer:${control}`)) as { minBidCents?: number })?.minBidCents === 300,
    );

    expect(await inL2(`buyer:${buyerId}`)).toBeUndefined();
    expect(await inL2('geo:SD')).toBeUndefined();
    for (const service of [a, b]) {
      const cache = service.app.get<TieredCache>(CACHE_INSTANCE);
      expect(cache.peek(`routing:buyer:${buyerId}`)).toBeUndefined();
    }
  }, 120000);
});
