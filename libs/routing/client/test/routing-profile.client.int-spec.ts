import { INestApplicationContext } from '@nestjs/common';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { routingServiceSpec } from '@platform/routing-feature';
import { toProblem } from '@platform/service-kit';
import {
  freePort,
  sendJson,
  stackEnv,
  startClientCaller,
  useTestService,
} from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
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
