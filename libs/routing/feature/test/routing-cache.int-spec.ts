import { status } from '@grpc/grpc-js';
import type { Cache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { startRedisServer } from '@platform/cache/testing';
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
import {
  HotKeyTracker,
  RouteDecisionService,
  RoutingNamespaceKeys,
  routingServiceSpec,
  RoutingWarmer,
} from '../src';

/**
 * The routing service's cache on the real stack: two instances (A, B) sharing one schema and one cache
 * prefix (so one L2 and one invalidation bus), and a third (C) on a throwaway Redis that the test kills.
 */
describe('routing cache, decisions and warming (two instances; real Postgres, Redis, Kafka)', () => {
  const run = randomUUID().slice(0, 8);
  const schema = `routing_cache_${run}`;
  const prefix = `routing-cache-${run}:`;
  const shared = { DB_SCHEMA: schema, CACHE_PREFIX: prefix };
  const a = useTestService(routingServiceSpec(), 'routing', shared);
  const b = useTestService(routingServiceSpec(), 'routing', shared);
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(stackEnv()['REDIS_URL']);
  });
  afterAll(async () => {
    redis?.disconnect();
    await dropSchema(stackEnv()['DATABASE_URL'], schema);
  });

  /** The published bound: a change acknowledged on one instance is served by every instance after this. */
  const STALE_BOUND_MS = 150;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const put = (service: ServiceUnderTest, buyerId: string, body: object) =>
    sendJson('PUT', `${service.httpUrl}/routing/buyers/${buyerId}`, {
      minBidCents: 100,
      maxConcurrentCalls: 5,
      ...body,
    });
  const decide = async (service: ServiceUnderTest, body: object) => {
    const response = await sendJson('POST', `${service.httpUrl}/routing/decisions`, body);
    expect(response.status).toBe(200);
    return (await readJson(response)) as { buyers: { buyerId: string; rank: number }[] };
  };
  const buyerIds = (decision: { buyers: { buyerId: string }[] }) => decision.buyers.map((x) => x.buyerId);
  const routingCache = (service: ServiceUnderTest) =>
    service.app.get<Cache>(CACHE_INSTANCE).namespace('routing');
  const inL2 = async (key: string) => (await redis.exists(`${prefix}routing:${key}`)) === 1;
  const db = (service: ServiceUnderTest) => service.app.get(DataSource);
  /**
   * Waits until both instances' Kafka consumers have handled the buyer's events, so their (repeated)
   * evictions cannot land in the middle of what the test measures next.
   */
  const consumed = (buyerId: string, events = 1) =>
    eventually(async () => {
      const rows = await db(a).query(`SELECT 1 FROM "${schema}".processed_events WHERE entity_id = $1`, [
        buyerId,
      ]);
      return rows.length >= events;
    }, 40000);
  /** Stops the warming cron of both instances for the test (it would refresh the keys being counted). */
  const pauseCrons = () => {
    const jobs = [a, b].flatMap((service) => [...service.app.get(SchedulerRegistry).getCronJobs().values()]);
    for (const job of jobs) void job.stop();
    return () => jobs.forEach((job) => job.start());
  };

  describe('route decisions', () => {
    it('should rank eligible buyers by priority then price floor, over REST and gRPC', async () => {
      const ids = ['low', 'rich', 'cheap', 'pricey', 'off'].map((name) => `${name}-${run}`);
      const [low, rich, cheap, pricey, off] = ids;
      await put(a, low, { states: ['ME'], priority: 1, minBidCents: 50 });
      await put(a, rich, { states: ['ME', 'VT'], priority: 5, minBidCents: 400 });
      await put(a, cheap, { states: ['ME'], priority: 5, minBidCents: 100 });
      await put(a, pricey, { states: ['ME'], priority: 9, minBidCents: 5000 });
      await put(a, off, { states: ['ME'], priority: 9, active: false });

      expect(buyerIds(await decide(a, { state: 'ME' }))).toEqual([pricey, rich, cheap, low]);
      expect(buyerIds(await decide(b, { state: 'ME', bidCents: 400 }))).toEqual([rich, cheap, low]);
      const grpc = await a.grpc.call('decideRoute', { state: 'ME', bidCents: 100, limit: 1 });
      expect(grpc).toMatchObject({ state: 'ME', buyers: [{ rank: 1, buyerId: cheap, minBidCents: 100 }] });
      expect(buyerIds(await decide(a, { state: 'NH' }))).toEqual([]);
    });

    it('should keep only buyers within their hours in their own time zone and under their daily cap', async () => {
      const office = `office-${run}`;
      const night = `night-${run}`;
      const capped = `capped-${run}`;
      await put(a, office, {
        states: ['RI'],
        priority: 3,
        timeZone: 'America/New_York',
        hoursStart: '09:00',
        hoursEnd: '17:00',
      });
      await put(a, night, {
        states: ['RI'],
        priority: 2,
        timeZone: 'Europe/Paris',
        hoursStart: '22:00',
        hoursEnd: '06:00',
      });
      await put(a, capped, { states: ['RI'], priority: 1, dailyCap: 1 });

      // 15:00Z = 10:00 in New York, 16:00 in Paris.
      expect(buyerIds(await decide(a, { state: 'RI', at: '2026-01-05T15:00:00Z', limit: 1 }))).toEqual([
        office,
      ]);
      // 23:30Z = 18:30 in New York (closed), 00:30 in Paris (open overnight).
      expect(buyerIds(await decide(a, { state: 'RI', at: '2026-01-05T23:30:00Z', limit: 1 }))).toEqual([
        night,
      ]);
      // 12:00Z = 07:00 in New York, 13:00 in Paris: both closed; the capped buyer gets this call, and then
      // has used its cap.
      expect(buyerIds(await decide(a, { state: 'RI', at: '2026-01-05T12:00:00Z' }))).toEqual([capped]);
      expect(buyerIds(await decide(a, { state: 'RI', at: '2026-01-05T12:00:00Z' }))).toEqual([]);
    });

    it('should answer 400 naming the field, INVALID_ARGUMENT over gRPC, and 404 / NOT_FOUND for an unknown buyer', async () => {
      const fields = async (response: Response) => {
        expect(response.status).toBe(400);
        return ((await readJson(response)).fields as { field: string }[]).map((f) => f.field).sort();
      };
      expect(
        await fields(
          await sendJson('POST', `${a.httpUrl}/routing/decisions`, { state: 'XX', at: 'noon', bidCents: -1 }),
        ),
      ).toEqual(['at', 'bidCents', 'state']);
      expect(
        await fields(await put(a, `tz-${run}`, { states: ['CA'], timeZone: 'Mars/Base', hoursEnd: '25:00' })),
      ).toEqual(['hoursEnd', 'timeZone']);
      expect(
        await fields(await put(a, `same-${run}`, { states: ['CA'], hoursStart: '09:00', hoursEnd: '09:00' })),
      ).toEqual(['hoursEnd']);
      expect(await fields(await fetch(`${a.httpUrl}/routing/stats/2026-02-30T10`))).toEqual(['hour']);
      await expect(a.grpc.call('decideRoute', { state: 'ZZ' })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('state'),
      });

      const unknown = `nobody-${run}`;
      const missing = await fetch(`${a.httpUrl}/routing/buyers/${unknown}`);
      expect(missing.status).toBe(404);
      expect(await readJson(missing)).toMatchObject({ code: 'BUYER_ROUTING.NOT_FOUND' });
      await expect(a.grpc.call('getBuyerCriteria', { buyerId: unknown })).rejects.toMatchObject({
        code: status.NOT_FOUND,
      });
      // The cached "not found" goes when the buyer is created.
      expect((await put(a, unknown, { states: ['CA'] })).status).toBe(201);
      expect((await fetch(`${b.httpUrl}/routing/buyers/${unknown}`)).status).toBe(200);
    });
  });

  describe('staleness across instances', () => {
    it(`should serve a change acknowledged on A from B (buyer and route) after ${STALE_BOUND_MS} ms`, async () => {
      const buyerId = `stale-${run}`;
      await put(a, buyerId, { states: ['WV'], priority: 1 });
      // The creation's own event must have evicted before B caches (or it would evict B's copy below), and
      // the warming cron must not refresh B's copy from the database behind the test's back.
      await consumed(buyerId);
      const resume = pauseCrons();
      // B caches the buyer and the state's route (L1), and serves them from cache: a change behind the
      // service's back is not seen.
      expect((await readJson(await fetch(`${b.httpUrl}/routing/buyers/${buyerId}`))).priority).toBe(1);
      expect(buyerIds(await decide(b, { state: 'WV' }))).toEqual([buyerId]);
      await db(a).query(`UPDATE "${schema}".buyer_routing_criteria SET priority = 2 WHERE buyer_id = $1`, [
        buyerId,
      ]);
      expect((await readJson(await fetch(`${b.httpUrl}/routing/buyers/${buyerId}`))).priority).toBe(1);

      for (let change = 0; change < 5; change++) {
        const active = change % 2 === 1;
        expect((await put(a, buyerId, { states: ['WV'], priority: 10 + change, active })).status).toBe(200);
        await sleep(STALE_BOUND_MS);
        expect((await readJson(await fetch(`${b.httpUrl}/routing/buyers/${buyerId}`))).priority).toBe(
          10 + change,
        );
        expect(buyerIds(await decide(b, { state: 'WV' }))).toEqual(active ? [buyerId] : []);
      }
      resume();
    });
  });

  describe('cold keys and warming', () => {
    it('should load a cold hot state route once for 1,000 concurrent decisions (1 DB query)', async () => {
      const buyerId = `hot-${run}`;
      await put(a, buyerId, { states: ['ND'], priority: 1 });
      await consumed(buyerId);
      const resume = pauseCrons();
      await routingCache(a).delete(RoutingNamespaceKeys.geo('ND'));
      const logger = db(a).logger;
      const queries: string[] = [];
      const logQuery = logger.logQuery.bind(logger);
      jest.spyOn(logger, 'logQuery').mockImplementation((query, parameters, runner) => {
        queries.push(query);
        return logQuery(query, parameters, runner);
      });
      // In process (no HTTP), so the 1,000 decisions overlap for certain.
      const service = a.app.get(RouteDecisionService);
      const decisions = await Promise.all(
        Array.from({ length: 1000 }, () => service.decide({ state: 'ND' })),
      );
      expect(decisions.every((decision) => buyerIds(decision).join() === buyerId)).toBe(true);
      resume();
      expect(queries.filter((query) => query.includes('buyer_routing_criteria'))).toHaveLength(1);
    });

    it('should warm the predicted keys into L1 and L2, and not the others', async () => {
      const hot = `warm-hot-${run}`;
      const cold = `warm-cold-${run}`;
      await put(a, hot, { states: ['SD'] });
      await put(a, cold, { states: ['SD', 'NE'] });
      await consumed(hot);
      await consumed(cold);
      const cache = routingCache(a);
      const keys = [
        RoutingNamespaceKeys.buyer(hot),
        RoutingNamespaceKeys.geo('SD'),
        RoutingNamespaceKeys.buyer(cold),
        RoutingNamespaceKeys.geo('NE'),
      ];
      await cache.deleteMany(keys);
      // Traffic: the hot buyer and SD are read a lot (recorded as reads are); the others not at all.
      const tracker = a.app.get(HotKeyTracker);
      for (let i = 0; i < 500; i++) {
        tracker.record(RoutingNamespaceKeys.buyer(hot));
        tracker.record(RoutingNamespaceKeys.geo('SD'));
      }
      const result = await a.app.get(RoutingWarmer).warmPredicted();
      expect(result.failed).toBe(0);
      expect(cache.peek(RoutingNamespaceKeys.buyer(hot))).toMatchObject({ buyerId: hot });
      expect(cache.peek(RoutingNamespaceKeys.geo('SD'))).toEqual(
        expect.arrayContaining([expect.objectContaining({ buyerId: hot })]),
      );
      expect(await inL2(RoutingNamespaceKeys.buyer(hot))).toBe(true);
      expect(await inL2(RoutingNamespaceKeys.geo('SD'))).toBe(true);
      expect(cache.peek(RoutingNamespaceKeys.buyer(cold))).toBeUndefined();
      expect(cache.peek(RoutingNamespaceKeys.geo('NE'))).toBeUndefined();
      expect(await inL2(RoutingNamespaceKeys.buyer(cold))).toBe(false);
      expect(await inL2(RoutingNamespaceKeys.geo('NE'))).toBe(false);

      const metrics = await (await fetch(`${a.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/warming_duration_seconds_count\{[^}]*trigger="cron"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/warming_keys_total\{[^}]*outcome="warmed"[^}]*\} [1-9]/);
    });
  });

  describe('with Redis killed', () => {
    let throwaway: Awaited<ReturnType<typeof startRedisServer>>;
    let c: ServiceUnderTest;
    beforeAll(async () => {
      throwaway = await startRedisServer();
    });
    const started = useTestService(routingServiceSpec(), 'routing', {
      ...shared,
      CACHE_PREFIX: `routing-cache-c-${run}:`,
      // Set in beforeAll below, before this service starts (hooks run in declaration order).
      get REDIS_URL() {
        return throwaway.url;
      },
    } as Record<string, string>);

    beforeAll(async () => {
      c = started;
    });
    afterAll(async () => {
      await throwaway?.stop();
    });

    it('should still decide from Postgres, and serve criteria, once Redis is gone', async () => {
      const buyerId = `no-redis-${run}`;
      await put(a, buyerId, { states: ['MT'], priority: 4 });
      expect(buyerIds(await decide(c, { state: 'AK' }))).toEqual([]); // warm-up: the cache works
      await throwaway.kill();
      expect(buyerIds(await decide(c, { state: 'MT' }))).toEqual([buyerId]);
      const criteria = await fetch(`${c.httpUrl}/routing/buyers/${buyerId}`);
      expect(criteria.status).toBe(200);
      expect((await readJson(criteria)).priority).toBe(4);
    });
  });
});
