import { CallMetricsRepository } from '@platform/analytics-data-access';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE, CacheInvalidator } from '@platform/cache/nest';
import { BidChanged, createEnvelope, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';
import { KafkaService } from '@platform/service-kit';
import { eventually, useTestService } from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { AnalyticsCacheKeys, analyticsServiceSpec } from '../src';
import { readCached } from './read-cached';

const HOUR_MS = 3_600_000;
const run = randomUUID().slice(0, 8);

/**
 * Analytics records the calls the bid service sells: a `bid.bid.changed.v1` event of a bid that moved to
 * `won`, published through the real Kafka, becomes a call record (once, however often it is delivered),
 * bumps its hour's counters, and evicts its hour and its buyer's revenue views.
 */
describe('calls recorded from won bids (real Postgres, Redis, Kafka)', () => {
  const service = useTestService(analyticsServiceSpec(), 'analytics', {
    DB_SCHEMA: `analytics_bids_${run}`,
    CACHE_PREFIX: `ab-${run}:`,
    KAFKA_GROUP_ID: `analytics-bids-${run}`,
    ANALYTICS_CALLS_FROM_BIDS: 'true', // the feature under test (on by default; said here all the same)
  });

  const bid = (overrides: Partial<BidChanged.Snapshot>): BidChanged.Snapshot => ({
    id: randomUUID(),
    callId: `call-${run}-${randomUUID().slice(0, 8)}`,
    buyerId: `buyer-bids-${run}`,
    amountCents: 1250,
    currency: 'USD',
    status: 'won',
    ...overrides,
  });
  /** The event of `before` → `after`, as the bid service's outbox would publish it (at `occurredAt`). */
  const changed = (before: BidChanged.Snapshot, after: BidChanged.Snapshot, occurredAt?: Date) => {
    const event = createEnvelope({
      entity: 'bid' as const,
      entityId: after.id,
      op: 'updated',
      version: 2,
      before,
      after,
    });
    return occurredAt === undefined ? event : { ...event, occurredAt: occurredAt.toISOString() };
  };
  const publish = async (...events: BidChanged.Value[]) => {
    const producer = await service.app.get(KafkaService).producer();
    for (const event of events) {
      await producer.send({
        topic: Topic.BidChanged,
        messages: [{ key: event.entityId, value: JSON.stringify(event) }],
      });
    }
  };
  const consumed = (...events: BidChanged.Value[]) =>
    eventually(async () => {
      const inbox = service.app.get(InboxService);
      for (const event of events) if (!(await inbox.has(event.eventId))) return false;
      return true;
    }, 40_000);
  const get = (path: string) => readCached(`${service.httpUrl}${path}`);

  it("should record a won bid's call once, in its hour's counters once, however often it arrives", async () => {
    // An hour long past that no other suite uses, so its counters are this test's alone.
    const hour = new Date(
      (Math.floor(Date.now() / HOUR_MS) - 2000 - Math.floor(Math.random() * 20_000)) * HOUR_MS,
    );
    const soldAt = new Date(hour.getTime() + 17 * 60_000);
    const won = bid({});
    const active = { ...won, status: 'active' as const };
    const event = changed(active, won, soldAt);
    const redelivered = changed(active, won, soldAt); // the same change, published again (new eventId)
    const lost = changed(
      { ...active, id: randomUUID(), callId: `lost-${run}` },
      { ...won, status: 'lost' },
      soldAt,
    );

    await publish(event, event, redelivered, lost);
    await consumed(event, redelivered, lost);

    const { status, body } = await get(`/analytics/calls?buyerId=${won.buyerId}`);
    expect(status).toBe(200);
    expect(body).toEqual([
      expect.objectContaining({
        callId: won.callId,
        buyerId: won.buyerId,
        revenueCents: 1250,
        startedAt: soldAt.toISOString(),
        state: null,
        durationSeconds: null,
        outcome: null,
      }),
    ]);
    // Over gRPC the unknown details are the proto defaults.
    const { record } = await service.grpc.call('getCallRecord', { id: body[0].id });
    expect(record).toMatchObject({ callId: won.callId, state: '', durationSeconds: 0, outcome: 0 });
    expect(await service.app.get(CallMetricsRepository).openHour(hour)).toEqual({
      hour: hour.toISOString(),
      calls: 1,
      connectedCalls: 0,
      revenueCents: 1250,
      durationSeconds: 0,
    });
  }, 60_000);

  it("should evict the buyer's cached revenue when its won bid is recorded", async () => {
    const buyerId = `buyer-rev-${run}`;
    const day = new Date(
      (Math.floor(Date.now() / HOUR_MS) - 30_000 - Math.floor(Math.random() * 20_000)) * HOUR_MS,
    );
    const period = day.toISOString().slice(0, 10);
    // The buyer has no routing criteria (cached as such), so the view needs no routing service.
    await service.app
      .get<TieredCache>(CACHE_INSTANCE)
      .set(AnalyticsCacheKeys.buyerRouting(buyerId), null, { ttl: '1h' });
    const revenue = `/analytics/revenue/${buyerId}?period=${period}`;
    expect(await get(revenue)).toMatchObject({ cache: 'MISS', body: { calls: 0 } });
    expect(await get(revenue)).toMatchObject({ cache: 'HIT', body: { calls: 0 } });

    const won = bid({ buyerId, amountCents: 4321 });
    const event = changed({ ...won, status: 'active' }, won, day);
    await publish(event);
    await consumed(event);
    // Far under the view's TTLs (L1 5 min, L2 1 h): only the eviction explains the new figures.
    await eventually(async () => (await get(revenue)).body.calls === 1);
    expect((await get(revenue)).body).toMatchObject({ calls: 1, connectedCalls: 0, revenueCents: 4321 });
  }, 60_000);

  it("should show the sold call in the open hour's cached metrics at once", async () => {
    // Not in the last 20 s of the hour: the sale must land in the hour read before it.
    const untilClose = HOUR_MS - (Date.now() % HOUR_MS);
    if (untilClose < 20_000) await new Promise((resolve) => setTimeout(resolve, untilClose + 100));
    const start = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS).toISOString();
    const path = `/analytics/calls/${start.slice(0, 10)}/${start.slice(11, 13)}`;
    // A fresh cached copy (up to 60 s), so only an eviction can show the sale within the wait below.
    await service.app
      .get(CacheInvalidator)
      .invalidate({ keys: [AnalyticsCacheKeys.calls(start.slice(0, 10), start.slice(11, 13))] });
    const before = (
      await eventually(async () => {
        const read = await get(path);
        return read.cache === 'HIT' && read;
      })
    ).body;

    const won = bid({ amountCents: 777 });
    const event = changed({ ...won, status: 'active' }, won);
    await publish(event);
    await consumed(event);
    await eventually(async () => {
      const after = (await get(path)).body;
      return after.calls >= before.calls + 1 && after.revenueCents >= before.revenueCents + 777;
    }, 20_000);
  }, 90_000);
});
