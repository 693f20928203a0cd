import { createRedisConnection, type RedisConnection, type TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { BuyerRoutingChanged, createEnvelope, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';
import { KafkaService } from '@platform/service-kit';
import { dropSchema, eventually, stackEnv, useTestService } from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { BidCacheKeys, bidServiceSpec } from '../src';

/**
 * The spec's L2 is a Redis Cluster: with `CACHE_L2=cluster` the service keeps its cache there, and a
 * routing change arriving over Kafka still evicts it (the engine's Cluster driver and bus). A schema,
 * cache prefix and consumer group of its own, so no other suite's bid service handles our events.
 */
describe('bid service with its cache on the Redis Cluster (CACHE_L2=cluster)', () => {
  const run = randomUUID().slice(0, 8);
  const schema = `bid_cluster_${run}`;
  const prefix = `t-${run}:bid:`;
  const env = stackEnv();
  const service = useTestService(bidServiceSpec(), 'bid', {
    CACHE_L2: 'cluster',
    CACHE_PREFIX: prefix,
    DB_SCHEMA: schema,
  });
  let cluster: RedisConnection;
  let standalone: RedisConnection;

  beforeAll(async () => {
    cluster = createRedisConnection({ mode: 'cluster', nodes: env['REDIS_CLUSTER_NODES'].split(',') });
    standalone = createRedisConnection({ mode: 'standalone', url: env['REDIS_URL'] });
    await Promise.all([cluster.connect(), standalone.connect()]);
  });
  afterAll(async () => {
    await Promise.all([cluster.quit(), standalone.quit()]);
    await dropSchema(env['DATABASE_URL'], schema);
  });

  it('should store entries on the Cluster, not on standalone Redis, and evict them on a routing change', async () => {
    const buyerId = `buyer-${randomUUID()}`;
    const key = BidCacheKeys.activeByBuyer(buyerId);
    const cache = service.app.get<TieredCache>(CACHE_INSTANCE);
    await cache.set(key, { buyerId, bids: [] });
    expect(await cluster.exists(`${prefix}${key}`)).toBe(1);
    expect(await standalone.exists(`${prefix}${key}`)).toBe(0);

    const snapshot = {
      buyerId,
      states: ['CA'],
      minBidCents: 100,
      maxConcurrentCalls: 5,
      priority: 1,
      active: true,
    };
    const event = createEnvelope({
      entity: 'buyer' as const,
      entityId: buyerId,
      op: 'updated',
      version: 2,
      before: snapshot,
      after: { ...snapshot, minBidCents: 300 },
    }) as BuyerRoutingChanged.Value;
    const producer = await service.app.get(KafkaService).producer();
    await producer.send({
      topic: Topic.BuyerRoutingChanged,
      acks: -1,
      messages: [{ key: buyerId, value: JSON.stringify(event) }],
    });

    await eventually(() => service.app.get(InboxService).has(event.eventId), 40000);
    expect(await cluster.exists(`${prefix}${key}`)).toBe(0);
    expect(await cache.get(key)).toBeUndefined();
  });
});
