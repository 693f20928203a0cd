import { startRedisServer } from '@platform/cache/testing';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { BidChanged, createEnvelope, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';
import { deadLetterTopic, KafkaService, RunningService } from '@platform/service-kit';
import { eventually, recordTopic, stackEnv, startTestService } from '@platform/service-kit/testing';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { BidCacheKeys, bidServiceSpec } from '../src';

/**
 * The consumer takes a fetched batch at a time: the bid service on a throwaway Redis (killed in the last
 * test), the real Kafka and Postgres. Every batch is produced in one request with one message key, so its
 * records sit next to each other on one partition and arrive in one fetch.
 *
 * `bid.changed` is shared: in a full run other suites' services publish to it while this one runs, and this
 * service's group consumes their records too. So each test looks only at its own records (bus messages
 * naming its keys, the applier's calls with its event ids) and committed offsets may run past its batch.
 */
describe('bid service: batched invalidation (real Kafka, Postgres, throwaway Redis)', () => {
  const run = randomUUID().slice(0, 8);
  const schema = `bid_p12_${run}`;
  const prefix = `t-${run}:bid:`;
  const partitionKey = `batch-${run}`;
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let service: RunningService;
  let cache: TieredCache;
  let inbox: InboxService;

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
    cache = service.app.get<TieredCache>(CACHE_INSTANCE);
    inbox = service.app.get(InboxService);
    // The consumer has joined and reads once this one is handled (its group starts at the topics' ends).
    const warmup = bidEvent();
    await send([JSON.stringify(warmup)]);
    await eventually(() => inbox.has(warmup.eventId), 40000);
  }, 90000);

  afterAll(async () => {
    await service?.app.close();
    await redis?.stop();
    const db = new Client({ connectionString: stackEnv()['DATABASE_URL'] });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
  }, 30000);

  function bidEvent(id = randomUUID()): BidChanged.Value {
    return createEnvelope({
      entity: 'bid' as const,
      entityId: id,
      op: 'updated',
      version: 2,
      before: {
        id,
        callId: `call-${id}`,
        buyerId: 'b-1',
        amountCents: 100,
        currency: 'USD',
        status: 'active',
      },
      after: {
        id,
        callId: `call-${id}`,
        buyerId: 'b-1',
        amountCents: 200,
        currency: 'USD',
        status: 'active',
      },
    }) as BidChanged.Value;
  }

  /** Produces `values` in one request on one partition; resolves it and the first record's offset. */
  async function send(values: readonly string[]) {
    const producer = await service.app.get(KafkaService).producer();
    const [meta] = await producer.send({
      topic: Topic.BidChanged,
      acks: -1,
      messages: values.map((value) => ({ key: partitionKey, value })),
    });
    return { partition: meta.partition, offset: Number(meta.baseOffset) };
  }

  async function committed(partition: number): Promise<number> {
    const admin = await service.app.get(KafkaService).admin();
    const [entry] = await admin.fetchOffsets({
      groupId: service.config.kafka.groupId,
      topics: [Topic.BidChanged],
    });
    return Number(entry.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
  }

  async function consumed(outcome: string): Promise<number> {
    const metric = await cache.registry?.getSingleMetric('events_consumed_total')?.get();
    return (
      metric?.values.find((v) => v.labels['topic'] === Topic.BidChanged && v.labels['outcome'] === outcome)
        ?.value ?? 0
    );
  }

  async function cacheBids(events: readonly BidChanged.Value[]): Promise<string[]> {
    const keys = events.map((event) => BidCacheKeys.bid(event.entityId));
    for (const key of keys) await cache.set(key, { cached: key });
    return keys;
  }

  it('should apply the rest of a batch, dead-letter its poison record and commit past it', async () => {
    const [first, last] = [bidEvent(), bidEvent()];
    const keys = await cacheBids([first, last]);
    const dlq = await recordTopic(deadLetterTopic(Topic.BidChanged));
    try {
      const { partition, offset } = await send([JSON.stringify(first), '{not json', JSON.stringify(last)]);
      await eventually(() => inbox.has(last.eventId), 40000);
      expect(await inbox.has(first.eventId)).toBe(true);
      for (const key of keys) expect(await cache.get(key)).toBeUndefined();
      const [poison] = await dlq.waitFor(
        // The dead-letter topic is shared with other runs: this run's record has its message key.
        (m) =>
          m.key?.toString() === partitionKey &&
          m.headers?.['dlq-original-offset']?.toString() === String(offset + 1),
      );
      expect(poison.value?.toString()).toBe('{not json');
      await eventually(async () => (await committed(partition)) >= offset + 3, 10000);
    } finally {
      await dlq.stop();
    }
  }, 90000);

  it('should apply an event delivered again in a later batch only once', async () => {
    const event = bidEvent();
    const [key] = await cacheBids([event]);
    await send([JSON.stringify(event)]);
    await eventually(() => inbox.has(event.eventId), 40000);
    expect(await cache.get(key)).toBeUndefined();

    // Cached again after the eviction: a second application of the same event would drop it.
    await cache.set(key, { cached: 'after the first delivery' });
    const duplicatesBefore = await consumed('duplicate');
    const marker = bidEvent();
    await send([JSON.stringify(event), JSON.stringify(marker)]);
    await eventually(() => inbox.has(marker.eventId), 40000);
    expect(await consumed('duplicate')).toBe(duplicatesBefore + 1);
    expect(await cache.get(key)).toEqual({ cached: 'after the first delivery' });
  }, 90000);

  it('should evict a whole batch with one message on the bus', async () => {
    const events = [bidEvent(), bidEvent(), bidEvent()];
    const keys = await cacheBids(events);
    const listener = new Redis(redis.url);
    const messages: string[] = [];
    try {
      listener.on('pmessage', (_pattern, _channel, message: string) => messages.push(message));
      await listener.psubscribe('*__cache_bus');
      await send(events.map((event) => JSON.stringify(event)));
      await eventually(
        async () => (await Promise.all(events.map((e) => inbox.has(e.eventId)))).every(Boolean),
        40000,
      );
      for (const key of keys) expect(await cache.get(key)).toBeUndefined();
      // The bus flushes on the tick after the last publish; the batch is recorded after that.
      const ours = () => messages.filter((message) => keys.some((key) => message.includes(key)));
      await eventually(() => ours().length > 0, 5000);
      expect(ours()).toHaveLength(1);
      for (const key of keys) expect(ours()[0]).toContain(key);
    } finally {
      listener.disconnect();
    }
  }, 90000);

  it('should apply and commit a batch while Redis is down, and delete its L2 copies once Redis is back', async () => {
    const events = [bidEvent(), bidEvent()];
    const keys = await cacheBids(events);
    const deferredBefore = await consumed('l2_deferred');
    // Written to disk, so Redis comes back with the old copies: only the cache's retry can delete them.
    const direct = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    direct.on('error', () => undefined);
    try {
      await direct.connect();
      await direct.save();
      await redis.kill();
      const { partition, offset } = await send(events.map((event) => JSON.stringify(event)));
      // Not held up by Redis: recorded, committed, and gone from this instance's L1.
      await eventually(
        async () => (await Promise.all(events.map((e) => inbox.has(e.eventId)))).every(Boolean),
        40000,
      );
      await eventually(async () => (await committed(partition)) >= offset + 2, 10000);
      expect(await consumed('l2_deferred')).toBeGreaterThanOrEqual(deferredBefore + 2);
      for (const key of keys) expect(await cache.get(key)).toBeUndefined();

      await redis.restart();
      await eventually(async () => {
        const left = await Promise.all(keys.map((key) => direct.exists(`${prefix}${key}`)));
        return left.every((n) => n === 0);
      }, 20000);
    } finally {
      direct.disconnect();
    }
  }, 120000);
});
