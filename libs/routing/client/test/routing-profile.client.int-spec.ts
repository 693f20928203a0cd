import { INestApplicationContext } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { BuyerRoutingRepository } from '@platform/routing-data-access';
import { routingServiceSpec } from '@platform/routing-feature';
import { toProblem } from '@platform/service-kit';
import {
  eventually,
  freePort,
  readJson,
  sendJson,
  stackEnv,
  startClientCaller,
  useTestService,
} from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { routingProfileKey, RoutingClientModule, RoutingProfileClient } from '../src';

/** The client as a calling service wires it: the service kit's config with its peers, and the root cache. */
const startCaller = (peers: Record<string, string>, l2 = true): Promise<INestApplicationContext> =>
  startClientCaller(RoutingClientModule, peers, {
    name: 'routing-client',
    redisUrl: l2 && stackEnv()['REDIS_URL'],
  });

describe('RoutingProfileClient (real routing service over gRPC, Redis)', () => {
  const routing = useTestService(routingServiceSpec(), 'routing');
  let caller: INestApplicationContext;

  beforeAll(async () => {
    caller = await startCaller({ routing: routing.grpcAddress });
  });

  afterAll(async () => {
    await caller?.close();
  });

  it("should read a buyer's profile from routing and keep a copy under routing:buyer:{buyerID}", async () => {
    const buyerId = `buyer-${randomUUID()}`;
    const criteria = { states: ['NY', 'CA'], minBidCents: 1500, maxConcurrentCalls: 4 };
    const put = await sendJson('PUT', `${routing.httpUrl}/routing/buyers/${buyerId}`, criteria);
    expect(put.status).toBe(201);

    const profile = await caller.get(RoutingProfileClient).get(buyerId);
    expect(profile).toEqual({
      buyerId,
      states: ['CA', 'NY'],
      minBidCents: 1500,
      maxConcurrentCalls: 4,
      priority: 0,
      active: true,
      version: 1,
      timeZone: 'UTC',
      hoursStart: '00:00',
      hoursEnd: '24:00',
      dailyCap: null,
    });
    const copy = await caller.get<TieredCache>(CACHE_INSTANCE).get(routingProfileKey(buyerId));
    expect(copy).toEqual(profile);
  });

  it("should refill an evicted copy from routing's committed data, not from routing's own cache", async () => {
    // Bid and routing each evict their copy when they consume routing.buyer.changed.v1, in different consumer
    // groups with no order between them. When the caller's eviction comes first, routing's cache still
    // holds the value the event replaced; the caller's refill must not copy that for its whole TTL.
    const buyerId = `buyer-${randomUUID()}`;
    const criteria = { states: ['TX'], minBidCents: 1500, maxConcurrentCalls: 2 };
    expect((await sendJson('PUT', `${routing.httpUrl}/routing/buyers/${buyerId}`, criteria)).status).toBe(
      201,
    );
    // The creation's own event must have been consumed (its eviction would land in the middle of the test),
    // and the warming cron must not refresh routing's copy from the database behind the test's back.
    const { schema } = routing.config.database;
    await eventually(
      async () =>
        (
          await routing.app
            .get(DataSource)
            .query(`SELECT 1 FROM "${schema}".processed_events WHERE entity_id = $1`, [buyerId])
        ).length > 0,
      40000,
    );
    const crons = [...routing.app.get(SchedulerRegistry).getCronJobs().values()];
    for (const job of crons) void job.stop();
    // Routing caches the buyer (routing:buyer:{buyerID} in its own cache) and so does the caller.
    const cached = await fetch(`${routing.httpUrl}/routing/buyers/${buyerId}`);
    expect(await readJson(cached)).toMatchObject({ minBidCents: 1500 });
    const client = caller.get(RoutingProfileClient);
    expect(await client.get(buyerId)).toMatchObject({ minBidCents: 1500, version: 1 });

    // The change is committed; routing's own copy is not evicted yet (its consumer is behind). The
    // repository writes no event, so nothing evicts behind the test's back.
    await routing.app.get(BuyerRoutingRepository).upsert({
      buyerId,
      states: ['TX'],
      minBidCents: 2500,
      maxConcurrentCalls: 2,
      priority: 0,
      active: true,
      timeZone: 'UTC',
      hoursStartMinute: 0,
      hoursEndMinute: 24 * 60,
      dailyCap: null,
    });
    expect(await readJson(await fetch(`${routing.httpUrl}/routing/buyers/${buyerId}`))).toMatchObject({
      minBidCents: 1500,
    });

    // The caller's consumer evicts its copy first, then a read refills it.
    await caller.get<TieredCache>(CACHE_INSTANCE).delete(routingProfileKey(buyerId));
    expect(await client.get(buyerId)).toMatchObject({ minBidCents: 2500, version: 2 });
    expect(await caller.get<TieredCache>(CACHE_INSTANCE).get(routingProfileKey(buyerId))).toMatchObject({
      minBidCents: 2500,
    });
    for (const job of crons) job.start();
  });

  it('should answer null for a buyer without criteria, and cache that answer too', async () => {
    const buyerId = `buyer-${randomUUID()}`;
    expect(await caller.get(RoutingProfileClient).get(buyerId)).toBeNull();
    expect(await caller.get<TieredCache>(CACHE_INSTANCE).has(routingProfileKey(buyerId))).toBe(true);
  });

  it('should fail as ROUTING.UNAVAILABLE (503) when routing cannot be reached', async () => {
    const unreachable = await startCaller({ routing: `127.0.0.1:${await freePort()}` });
    try {
      const failure = await unreachable
        .get(RoutingProfileClient)
        .get(`buyer-${randomUUID()}`)
        .catch((error: unknown) => error);
      expect(toProblem(failure)).toMatchObject({ status: 503, code: 'ROUTING.UNAVAILABLE' });
    } finally {
      await unreachable.close();
    }
  });

  it('should refuse to start in a service that does not declare routing as a peer', async () => {
    // L1 only: a start that fails has no Redis connection to leave open.
    await expect(startCaller({}, false)).rejects.toThrow(/add ROUTING_PEER to its defaults\.peers/);
  });
});
