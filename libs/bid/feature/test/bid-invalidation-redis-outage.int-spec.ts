import { startRedisServer } from '@platform/cache/testing';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { BuyerRoutingChanged, createEnvelope, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';
import { KafkaService, RunningService } from '@platform/service-kit';
import { eventually, stackEnv, startTestService } from '@platform/service-kit/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { BidCacheKeys, bidServiceSpec } from '../src';

/**
 * Redis really down while an invalidation arrives: the bid service runs on a throwaway redis-server that
 * the test kills. The event must be neither recorded nor committed while Redis is down (no dead-letter, no
 * loss), and must evict the entry once Redis is back. Own schema, cache prefix and consumer group, as in
 * bid-invalidation.int-spec.ts.
 */
describe('bid service: invalidation while Redis is down (real Kafka, Postgres, throwaway Redis)', () => {
  const run = randomUUID().slice(0, 8);
  const schema = `bid_h4r_${run}`;
  const prefix = `t-${run}:bid:`;
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let service: RunningService;

  beforeAll(async () => {
    redis = await startRedisServer();
    service = await startTestService(bidServiceSpec(), {
      REDIS_URL: redis.url,
      CACHE_PREFIX: prefix,
      DB_SCHEMA: schema,
      KAFKA_CONSUMER_RETRY_MAX_MS: '200',
    });
  }, 60000);

  afterAll(async () => {
    await service?.app.close();
    await redis?.stop();
    const db = new Client({ connectionString: stackEnv()['DATABASE_URL'] });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
  }, 30000);

  const buyerEvent = (buyerId: string) =>
    createEnvelope({
      entity: 'buyer' as const,
      entityId: buyerId,
      op: 'updated',
      version: 2,
      before: { buyerId, states: ['CA'], minBidCents: 100, maxConcurrentCalls: 5, priority: 1, active: true },
      after: { buyerId, states: ['CA'], minBidCents: 300, maxConcurrentCalls: 5, priority: 1, active: true },
    }) as BuyerRoutingChanged.Value;

  /** Sends the event; resolves the offset it got. */
  const send = async (event: BuyerRoutingChanged.Value) => {
    const producer = await service.app.get(KafkaService).producer();
    const [meta] = await producer.send({
      topic: Topic.BuyerRoutingChanged,
      acks: -1,
      messages: [{ key: event.entityId, value: JSON.stringify(event) }],
    });
    return { partition: meta.partition, offset: Number(meta.baseOffset) };
  };

  const committed = async (partition: number) => {
    const admin = await service.app.get(KafkaService).admin();
    const [entry] = await admin.fetchOffsets({
      groupId: service.config.kafka.groupId,
      topics: [Topic.BuyerRoutingChanged],
    });
    return Number(entry.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
  };

  it('should keep the event uncommitted and unrecorded while Redis is down, then evict once it is back', async () => {
    const inbox = service.app.get(InboxService);
    const cache = service.app.get<TieredCache>(CACHE_INSTANCE);
    // The group has caught up with the topic's history once this one is handled.
    const warmup = buyerEvent(`buyer-${randomUUID()}`);
    await send(warmup);
    await eventually(() => inbox.has(warmup.eventId), 40000);

    const buyerId = `buyer-${randomUUID()}`;
    const key = BidCacheKeys.activeByBuyer(buyerId);
    await cache.set(key, { buyerId, bids: [] });
    await redis.kill();

    const event = buyerEvent(buyerId);
    const { partition, offset } = await send(event);
    // Retried well past KAFKA_CONSUMER_MAX_ATTEMPTS (5) at a 200 ms cap, then checked: still pending.
    const retries = async () => {
      const metric = await cache.registry?.getSingleMetric('events_consumed_total')?.get();
      return (
        metric?.values.find(
          (v) => v.labels['topic'] === Topic.BuyerRoutingChanged && v.labels['outcome'] === 'retry',
        )?.value ?? 0
      );
    };
    await eventually(async () => (await retries()) >= 8, 30000);
    expect(await inbox.has(event.eventId)).toBe(false);
    expect(await committed(partition)).toBeLessThanOrEqual(offset);

    await redis.restart();
    await eventually(() => inbox.has(event.eventId), 40000);
    expect(await committed(partition)).toBeGreaterThan(offset);
    const direct = new Redis(redis.url, { lazyConnect: true });
    try {
      await direct.connect();
      expect(await direct.exists(`${prefix}${key}`)).toBe(0);
    } finally {
      direct.disconnect();
    }
    expect(await cache.get(key)).toBeUndefined();
  }, 120000);
});
