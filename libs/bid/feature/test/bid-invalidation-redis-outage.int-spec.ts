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
 * the test kills. The event must not hold its partition up (later events would stay unapplied past the stale
 * bound): it is applied to L1 and committed at once, and the cache deletes the L2 copy itself once Redis is
 * back (here Redis comes back with its data, so only that retry can remove the old copy). Own schema, cache
 * prefix and consumer group, as in bid-invalidation.int-spec.ts.
 */
describe('bid service: invalidation while Redis is down (real Kafka, Postgres, throwaway Redis)', () => {
  const run = randomUUID().slice(0, 8);
  const schema = `bid_h4r_${run}`;
  const prefix = `t-${run}:bid:`;
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let service: RunningService;

  beforeAll(async () => {
    redis = await startRedisServer();
    service = await startTestService(
      bidServiceSpec(),
      {
        REDIS_URL: redis.url,
        CACHE_PREFIX: prefix,
        DB_SCHEMA: schema,
        KAFKA_CONSUMER_RETRY_MAX_MS: '200',
      },
      { skipTopicHistory: true },
    );
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

  it('should apply and commit the event while Redis is down, then delete the L2 copy once Redis is back', async () => {
    const inbox = service.app.get(InboxService);
    const cache = service.app.get<TieredCache>(CACHE_INSTANCE);
    // The consumer has joined and reads once this one is handled (its group starts at the topics' ends).
    const warmup = buyerEvent(`buyer-${randomUUID()}`);
    await send(warmup);
    await eventually(() => inbox.has(warmup.eventId), 40000);

    const buyerId = `buyer-${randomUUID()}`;
    const key = BidCacheKeys.activeByBuyer(buyerId);
    await cache.set(key, { buyerId, bids: [] });
    const direct = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    direct.on('error', () => undefined);
    try {
      await direct.connect();
      await direct.save();
      await redis.kill();

      const event = buyerEvent(buyerId);
      const { partition, offset } = await send(event);
      await eventually(() => inbox.has(event.eventId), 40000);
      await eventually(async () => (await committed(partition)) > offset, 10000);
      expect(await cache.get(key)).toBeUndefined();

      await redis.restart();
      await eventually(async () => (await direct.exists(`${prefix}${key}`)) === 0, 20000);
      expect(await cache.get(key)).toBeUndefined();
    } finally {
      direct.disconnect();
    }
  }, 120000);
});
