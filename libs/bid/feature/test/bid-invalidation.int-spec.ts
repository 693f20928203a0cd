import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { BuyerRoutingChanged, createEnvelope, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';
import {
  CONSUMER_METRICS,
  ConsumerMetrics,
  DLQ_HEADERS,
  EventConsumerService,
  KafkaService,
} from '@platform/service-kit';
import { eventually, recordTopic, stackEnv, useTestService } from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { BidCacheKeys, bidServiceSpec } from '../src';

/**
 * The bid service's consumer against the real Kafka, Postgres and Redis: what a routing change evicts,
 * duplicates, a malformed record, and a restart. Events are produced by hand on the real topic, each test
 * with buyers of its own. The service gets a cache prefix, a consumer group and a database schema of its
 * own: the inbox (`processed_events`) is per schema, so a bid service of another suite consuming the same
 * topic in parallel would otherwise record our events first and this one would skip them as duplicates.
 */
const run = randomUUID().slice(0, 8);
const schema = `bid_h4_${run}`;

afterAll(async () => {
  const db = new Client({ connectionString: stackEnv()['DATABASE_URL'] });
  await db.connect();
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.end();
});

describe('bid service: cache invalidation from Kafka (real Kafka, Postgres, Redis)', () => {
  const service = useTestService(bidServiceSpec(), 'bid', {
    CACHE_PREFIX: `t-${run}:bid:`,
    DB_SCHEMA: schema,
  });

  const cache = () => service.app.get<TieredCache>(CACHE_INSTANCE);
  const inbox = () => service.app.get(InboxService);

  const buyerEvent = (buyerId: string, minBidCents = 100) =>
    createEnvelope({
      entity: 'buyer' as const,
      entityId: buyerId,
      op: 'updated',
      version: 2,
      before: { buyerId, states: ['CA'], minBidCents: 100, maxConcurrentCalls: 5, priority: 1, active: true },
      after: { buyerId, states: ['CA'], minBidCents, maxConcurrentCalls: 5, priority: 1, active: true },
    }) as BuyerRoutingChanged.Value;

  const send = async (key: string, value: string, headers: Record<string, string> = {}) => {
    const producer = await service.app.get(KafkaService).producer();
    await producer.send({ topic: Topic.BuyerRoutingChanged, acks: -1, messages: [{ key, value, headers }] });
  };

  /** Caches the two entries a buyer change must evict, as the service's read paths would. */
  const warm = async (buyerId: string) => {
    await cache().set(BidCacheKeys.activeByBuyer(buyerId), { buyerId, bids: [] });
    await cache().set(BidCacheKeys.buyerRouting(buyerId), { buyerId, minBidCents: 100 });
  };
  const cached = async (buyerId: string) => [
    await cache().get(BidCacheKeys.activeByBuyer(buyerId)),
    await cache().get(BidCacheKeys.buyerRouting(buyerId)),
  ];

  it('should evict the buyer’s open bids and routing profile, and time it in invalidation_lag_seconds', async () => {
    const buyerId = `buyer-${randomUUID()}`;
    await warm(buyerId);
    expect(await cached(buyerId)).not.toContain(undefined);

    const event = buyerEvent(buyerId, 500);
    await send(buyerId, JSON.stringify(event));
    await eventually(() => inbox().has(event.eventId), 40000);
    expect(await cached(buyerId)).toEqual([undefined, undefined]);

    const metrics = service.app.get<ConsumerMetrics>(CONSUMER_METRICS);
    const lag = await metrics.registry.getSingleMetric('invalidation_lag_seconds')?.get();
    const count = lag?.values.find(
      (value) =>
        value.labels['topic'] === Topic.BuyerRoutingChanged &&
        (value as { metricName?: string }).metricName === 'invalidation_lag_seconds_count',
    );
    expect(count?.value).toBeGreaterThanOrEqual(1);
  }, 60000);

  it('should change nothing when the same event is delivered twice', async () => {
    const buyerId = `buyer-${randomUUID()}`;
    const event = buyerEvent(buyerId);
    await send(buyerId, JSON.stringify(event));
    await eventually(() => inbox().has(event.eventId), 40000);

    // Cached again after the first delivery: a duplicate must not evict it.
    await warm(buyerId);
    const sentinelBuyer = `buyer-${randomUUID()}`;
    const sentinel = buyerEvent(sentinelBuyer);
    await send(buyerId, JSON.stringify(event)); // the duplicate
    await send(buyerId, JSON.stringify(sentinel)); // same key, same partition: handled after it
    await eventually(() => inbox().has(sentinel.eventId), 40000);

    expect(await cached(buyerId)).not.toContain(undefined);
    expect(
      await inbox().recordOnce({
        eventId: event.eventId,
        topic: Topic.BuyerRoutingChanged,
        entityId: buyerId,
      }),
    ).toBe(false);
  }, 60000);

  it('should send a malformed event to the dead-letter topic and still handle the next one on its partition', async () => {
    const dlq = await recordTopic(`${Topic.BuyerRoutingChanged}.dlq`);
    try {
      const buyerId = `buyer-${randomUUID()}`;
      const marker = randomUUID();
      const malformed = { ...buyerEvent(buyerId), after: { buyerId, states: 'CA' } };
      await warm(buyerId);
      const good = buyerEvent(buyerId, 700);
      await send(buyerId, JSON.stringify(malformed), { 'x-test-marker': marker });
      await send(buyerId, JSON.stringify(good));

      // Other suites' consumers of the same topic (analytics evicts revenue on routing changes) dead-letter
      // the same record under their own group: this service's copy is the one with its group.
      const [record] = await dlq.waitFor(
        (m) =>
          m.headers?.['x-test-marker']?.toString() === marker &&
          m.headers?.[DLQ_HEADERS.group]?.toString() === service.config.kafka.groupId,
        1,
        40000,
      );
      expect(record.key?.toString()).toBe(buyerId);
      expect(JSON.parse(record.value?.toString() ?? '')).toEqual(malformed);
      expect(record.headers?.[DLQ_HEADERS.topic]?.toString()).toBe(Topic.BuyerRoutingChanged);
      expect(record.headers?.[DLQ_HEADERS.errorCode]?.toString()).toBe('CONTRACT.VIOLATION');
      expect(record.headers?.[DLQ_HEADERS.error]?.toString()).toContain('after.states');
      expect(record.headers?.[DLQ_HEADERS.group]?.toString()).toBe(service.config.kafka.groupId);

      await eventually(() => inbox().has(good.eventId), 40000);
      expect(await cached(buyerId)).toEqual([undefined, undefined]);
      expect(await inbox().has(malformed.eventId)).toBe(false);
    } finally {
      await dlq.stop();
    }
  }, 60000);

  it('should resume from the committed offsets after a consumer restart, handling each event once', async () => {
    const consumer = service.app.get(EventConsumerService);
    const before = buyerEvent(`buyer-${randomUUID()}`);
    await send(before.entityId, JSON.stringify(before));
    await eventually(() => inbox().has(before.eventId), 40000);

    await consumer.stop();
    const buyerId = `buyer-${randomUUID()}`;
    await warm(buyerId);
    const during = buyerEvent(buyerId, 900);
    await send(buyerId, JSON.stringify(during));

    const checks = jest.spyOn(inbox(), 'has');
    await consumer.start(bidServiceSpec().kafka.consumes);
    await eventually(() => inbox().has(during.eventId), 40000);
    expect(await cached(buyerId)).toEqual([undefined, undefined]);

    const lookedUp = (eventId: string) => checks.mock.calls.filter(([id]) => id === eventId).length;
    expect(lookedUp(before.eventId)).toBe(0); // committed before the stop: not redelivered
    // Once by the consumer (then recorded), plus this test's own polling.
    expect(
      await inbox().recordOnce({
        eventId: during.eventId,
        topic: Topic.BuyerRoutingChanged,
        entityId: buyerId,
      }),
    ).toBe(false);
  }, 60000);
});
