import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { eventually, JsonBody, stackEnv } from '@platform/service-kit/testing';
import { ServiceProcess, stopService, useIsolatedServices } from './service-process';

/**
 * Cache invalidation across services, as real processes on the real stack: routing (service A) owns a
 * buyer's routing criteria; bid (B) and analytics (C), two instances each, read them over gRPC into their own
 * caches (`bids:buyer:{id}:active`, `analytics:revenue:{id}:{period}`, both with `routing:buyer:{id}`).
 * A change through routing's REST API must evict those entries in every instance of B and C, so the next
 * read returns the new value. Bid also keeps compliance's answers (`compliance:dnc:{phoneHash}`): a number
 * compliance lists must stop being accepted by every bid instance, well before the copy's TTL.
 *
 * The run has its own database schemas, cache prefixes and consumer groups: the inbox is per schema, and a
 * service of another suite consuming the same topics must not record (and so skip for us) our events.
 */
describe('cross-service cache invalidation (real processes, Kafka, Postgres, Redis)', () => {
  const services = useIsolatedServices('e2e');
  const { run } = services;
  const schemas = {
    routing: services.schemaOf('routing'),
    bid: services.schemaOf('bid'),
    analytics: services.schemaOf('analytics'),
    compliance: services.schemaOf('compliance'),
  };
  let routing: ServiceProcess;
  let compliance: ServiceProcess;
  let bids: ServiceProcess[];
  let analytics: ServiceProcess[];
  let db: Client;

  beforeAll(async () => {
    db = new Client({ connectionString: stackEnv()['DATABASE_URL'] });
    await db.connect();
    [routing, compliance] = await Promise.all([services.start('routing'), services.start('compliance')]);
    const peers = {
      ROUTING_GRPC_ADDRESS: routing.grpcAddress,
      COMPLIANCE_GRPC_ADDRESS: compliance.grpcAddress,
    };
    // Two at a time (this machine has two cores); the second of each pair finds its schema migrated.
    for (let i = 0; i < 2; i++) {
      await Promise.all([services.start('bid', peers), services.start('analytics', peers)]);
    }
    bids = services.started.filter((service) => service.name === 'bid');
    analytics = services.started.filter((service) => service.name === 'analytics');
  }, 240000);

  afterAll(async () => {
    await db?.end();
  }, 60000);

  const send = async (method: string, url: string, body: unknown): Promise<JsonBody> => {
    const response = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = await response.json();
    if (response.status >= 300)
      throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const get = async (url: string): Promise<JsonBody> => {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    return response.json();
  };
  /** Waits until the service's consumer group has handled an event about `entityId`. */
  const consumed = (schema: string, entityId: string, count = 1) =>
    eventually(async () => {
      const { rows } = await db.query(`SELECT 1 FROM "${schema}".processed_events WHERE entity_id = $1`, [
        entityId,
      ]);
      return rows.length >= count;
    }, 40000);

  /**
   * How long a view may take to change. Well under the shortest L1 TTL involved (30 s, bid data), so a
   * value that only expired (no eviction reached that instance) fails the test instead of passing late.
   */
  const EVICTED_WITHIN_MS = 20000;

  const activeBids = (service: ServiceProcess, buyerId: string) =>
    get(`${service.httpUrl}/bids/buyers/${buyerId}/active`);
  const revenue = (service: ServiceProcess, buyerId: string) =>
    get(`${service.httpUrl}/analytics/revenue/${buyerId}?period=2025-03`);

  it('should evict what both instances of bid and analytics cached when routing changes a buyer over REST', async () => {
    const buyerId = `buyer-${run}-${randomUUID().slice(0, 8)}`;
    const criteria = { states: ['CA'], minBidCents: 100, maxConcurrentCalls: 5, priority: 1 };
    await send('PUT', `${routing.httpUrl}/routing/buyers/${buyerId}`, criteria);
    const bid = await send('POST', `${bids[0].httpUrl}/bids`, {
      callId: `call-${run}`,
      buyerId,
      amountCents: 150,
    });
    const call = await send('POST', `${analytics[0].httpUrl}/analytics/calls`, {
      callId: `call-${run}-${randomUUID().slice(0, 8)}`,
      buyerId,
      state: 'CA',
      startedAt: '2025-03-04T10:00:00Z',
      durationSeconds: 60,
      revenueCents: 250,
      outcome: 'connected',
    });
    // Let the setup's own events land first, so the evictions below can only come from the change.
    await consumed(schemas.bid, buyerId);
    await consumed(schemas.bid, bid.id);
    await consumed(schemas.analytics, buyerId);
    await consumed(schemas.analytics, call.id);

    // Each instance reads through its own cache: L1, L2 (shared by the instances of one service), gRPC.
    for (const service of bids) {
      expect(await activeBids(service, buyerId)).toMatchObject({
        routing: { minBidCents: 100, active: true },
        bids: [{ id: bid.id, eligible: true }],
      });
    }
    for (const service of analytics) {
      expect(await revenue(service, buyerId)).toMatchObject({
        calls: 1,
        revenueCents: 250,
        routing: { priority: 1 },
      });
    }

    // Behind routing's back (no event): every instance keeps answering from its cache.
    await db.query(
      `UPDATE "${schemas.routing}".buyer_routing_criteria SET min_bid_cents = 120, priority = 2 WHERE buyer_id = $1`,
      [buyerId],
    );
    for (const service of bids) expect((await activeBids(service, buyerId)).routing.minBidCents).toBe(100);
    for (const service of analytics) expect((await revenue(service, buyerId)).routing.priority).toBe(1);

    // The change through routing's API reaches every instance of both services.
    await send('PUT', `${routing.httpUrl}/routing/buyers/${buyerId}`, {
      ...criteria,
      minBidCents: 200,
      priority: 7,
    });
    for (const service of bids) {
      const view = await eventually(async () => {
        const current = await activeBids(service, buyerId);
        return current.routing.minBidCents === 200 && current;
      }, EVICTED_WITHIN_MS);
      expect(view.bids).toEqual([expect.objectContaining({ id: bid.id, eligible: false })]);
    }
    for (const service of analytics) {
      const view = await eventually(async () => {
        const current = await revenue(service, buyerId);
        return current.routing.priority === 7 && current;
      }, EVICTED_WITHIN_MS);
      expect(view).toMatchObject({ calls: 1, revenueCents: 250 });
    }
  }, 120000);

  it('should evict a bid service’s own view on every instance when a bid changes through the other', async () => {
    const buyerId = `buyer-${run}-${randomUUID().slice(0, 8)}`;
    await send('PUT', `${routing.httpUrl}/routing/buyers/${buyerId}`, {
      states: ['NV'],
      minBidCents: 100,
      maxConcurrentCalls: 1,
    });
    const bid = await send('POST', `${bids[1].httpUrl}/bids`, {
      callId: `call-${run}-2`,
      buyerId,
      amountCents: 500,
    });
    await consumed(schemas.bid, buyerId);
    await consumed(schemas.bid, bid.id);
    for (const service of bids) {
      expect((await activeBids(service, buyerId)).bids).toEqual([
        expect.objectContaining({ status: 'active' }),
      ]);
    }

    // Closed through instance 0: the bid leaves the open list on both instances.
    await send('PATCH', `${bids[0].httpUrl}/bids/${bid.id}`, { status: 'lost' });
    for (const service of bids) {
      await eventually(async () => (await activeBids(service, buyerId)).bids.length === 0, EVICTED_WITHIN_MS);
    }
  }, 120000);

  it('should stop accepting a number on every bid instance once compliance lists it (peppered hash in keys and events)', async () => {
    const buyerId = `buyer-${run}-${randomUUID().slice(0, 8)}`;
    await send('PUT', `${routing.httpUrl}/routing/buyers/${buyerId}`, {
      states: ['CA'],
      minBidCents: 100,
      maxConcurrentCalls: 5,
    });
    await send('PUT', `${compliance.httpUrl}/compliance/states/CA`, {
      callingHoursStart: 0,
      callingHoursEnd: 24,
      timezone: 'America/Los_Angeles',
      maxAttemptsPerDay: 3,
      requiresConsent: false,
    });
    await consumed(schemas.bid, buyerId);
    await consumed(schemas.bid, 'state:CA');
    const phone = `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const decide = async (service: ServiceProcess) => {
      const body = await send('POST', `${service.httpUrl}/bids/decisions`, {
        bids: [
          {
            callId: `call-${run}-dnc`,
            buyerId,
            amountCents: 150,
            call: { state: 'CA', time: '2025-03-04T18:00:00Z', callerPhone: phone },
          },
        ],
      });
      return body.decisions[0] as { accepted: boolean; reasons: string[] };
    };
    // Both instances decide once and keep compliance's "not listed" answer.
    for (const service of bids) expect(await decide(service)).toMatchObject({ accepted: true, reasons: [] });

    await send('POST', `${compliance.httpUrl}/compliance/dnc`, { phoneNumber: phone, source: 'e2e' });
    for (const service of bids) {
      const decision = await eventually(async () => {
        const current = await decide(service);
        return !current.accepted && current;
      }, EVICTED_WITHIN_MS);
      expect(decision.reasons).toEqual(['DNC_LISTED']);
    }
  }, 120000);

  it('should answer 400 naming the field for a bad buyer id or period', async () => {
    const bad = async (url: string, field: string) => {
      const response = await fetch(url);
      expect(response.status).toBe(400);
      const body = (await response.json()) as { fields: { field: string }[] };
      expect(body.fields.map((f) => f.field)).toContain(field);
    };
    await bad(`${bids[0].httpUrl}/bids/buyers/${encodeURIComponent('no spaces')}/active`, 'buyerId');
    await bad(`${analytics[0].httpUrl}/analytics/revenue/buyer-1?period=2025-13`, 'period');
    await bad(`${analytics[0].httpUrl}/analytics/revenue/buyer-1?period=2025-02-30`, 'period');
    await bad(`${analytics[0].httpUrl}/analytics/revenue/buyer-1`, 'period');
  });

  // Last: it stops routing.
  it('should answer 503 ROUTING.UNAVAILABLE for an uncached view while routing is down, and serve cached ones', async () => {
    const buyerId = `buyer-${run}-${randomUUID().slice(0, 8)}`;
    await send('PUT', `${routing.httpUrl}/routing/buyers/${buyerId}`, {
      states: ['TX'],
      minBidCents: 1,
      maxConcurrentCalls: 1,
    });
    await consumed(schemas.bid, buyerId);
    const cached = await activeBids(bids[0], buyerId);
    await stopService(routing);

    expect(await activeBids(bids[0], buyerId)).toEqual(cached);
    for (const url of [
      `${bids[1].httpUrl}/bids/buyers/never-cached-${run}/active`,
      `${analytics[1].httpUrl}/analytics/revenue/never-cached-${run}?period=2025-03`,
    ]) {
      const response = await fetch(url);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'ROUTING.UNAVAILABLE' });
    }
  });
});
