import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { EventEnvelope, Topic } from '@platform/contracts';
import { RunningService } from '@platform/service-kit';
import {
  dropSchema,
  eventually,
  KafkaBrokerHandle,
  readJson,
  readOutbox,
  recordTopic,
  sendJson,
  stackEnv,
  startKafkaBroker,
  startTestService,
  TopicRecording,
} from '@platform/service-kit/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { bidServiceSpec } from '../src';
import { BidCacheKeys } from '../src/lib/cache/bid-cache.keys';

const BIDS = 8;
const UPDATES = 20;
/** Each bid's loop waits at this update until the broker is down, so the rest of the burst meets no Kafka. */
const STOP_AT = 6;
/** A cached value only an invalidation can remove (its TTL outlives the test). */
const STALE = { stale: true };

/**
 * Kafka stopped during a burst of updates. The bid service runs against a throwaway broker of its own
 * (the shared stack's Kafka is never touched), which is stopped mid-burst (SIGKILL: a crash; SIGTERM: a
 * clean stop) and restarted on the same ports and log dir. Writes keep succeeding while it is down; once
 * it is back, every event reaches Kafka in order per bid with none lost (duplicates are allowed: delivery
 * is at least once), and the service's own consumer applies every invalidation those events carry.
 */
describe('bid service with Kafka stopped during a burst of updates (throwaway broker)', () => {
  const schema = `bid_outage_${randomBytes(4).toString('hex')}`;
  const databaseUrl = stackEnv()['DATABASE_URL'];
  let broker: KafkaBrokerHandle;
  let service: RunningService;
  let cache: TieredCache;
  let db: Client;
  let recording: TopicRecording | undefined;

  beforeAll(async () => {
    broker = await startKafkaBroker();
    service = await startTestService(bidServiceSpec(), {
      KAFKA_BROKERS: broker.brokers,
      DB_SCHEMA: schema,
      CACHE_PREFIX: `${schema}:`,
      OUTBOX_MAX_BACKOFF_MS: '1000',
      LOG_LEVEL: 'fatal',
    });
    cache = service.app.get<TieredCache>(CACHE_INSTANCE);
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
  }, 180000);

  afterEach(async () => {
    await recording?.stop();
    recording = undefined;
  });

  afterAll(async () => {
    await service?.app.close();
    await broker?.destroy();
    await dropSchema(databaseUrl, schema);
    await db?.end();
  }, 60000);

  const url = (path: string) => `${service.httpUrl}${path}`;

  /** Creates the bids, then updates each one UPDATES times, stopping the broker with `signal` mid-burst. */
  const burstAcrossOutage = async (signal: 'SIGKILL' | 'SIGTERM'): Promise<string[]> => {
    const bids: string[] = [];
    for (let i = 0; i < BIDS; i++) {
      const response = await sendJson('POST', url('/bids'), {
        callId: `call-${randomUUID()}`,
        buyerId: `buyer-${randomUUID()}`,
        amountCents: 1,
      });
      expect(response.status).toBe(201);
      bids.push((await readJson(response)).id);
    }
    let atStopPoint = 0;
    let stopped!: () => void;
    const brokerDown = new Promise<void>((resolve) => (stopped = resolve));
    const statuses: number[] = [];
    await Promise.all(
      bids.map(async (id) => {
        for (let update = 1; update <= UPDATES; update++) {
          if (update === STOP_AT) {
            if (++atStopPoint === 1) void broker.stop(signal).then(stopped);
            await brokerDown;
          }
          const response = await sendJson('PATCH', url(`/bids/${id}`), { amountCents: 100 + update });
          statuses.push(response.status);
        }
      }),
    );
    expect(broker.running).toBe(false);
    expect(statuses).toEqual(Array.from({ length: BIDS * UPDATES }, () => 200));
    // Everything from the stop point on is committed and waiting for Kafka.
    const waiting = (await readOutbox(databaseUrl, schema)).filter((row) => row.sentAt === null);
    expect(waiting.length).toBeGreaterThanOrEqual(BIDS * (UPDATES - STOP_AT + 1));
    return bids;
  };

  /** Per bid, the versions in the order they first arrived (redeliveries of an eventId ignored). */
  const firstDeliveries = (bids: string[]) => {
    const ours = new Set(bids);
    const seen = new Set<string>();
    const versions: Record<string, number[]> = {};
    for (const message of recording?.messages ?? []) {
      const event = JSON.parse(String(message.value)) as EventEnvelope;
      if (!ours.has(event.entityId) || seen.has(event.eventId)) continue;
      seen.add(event.eventId);
      (versions[event.entityId] ??= []).push(event.version);
    }
    return { count: seen.size, versions };
  };

  const processedEventIds = async (): Promise<Set<string>> =>
    new Set(
      (await db.query<{ event_id: string }>(`SELECT event_id FROM "${schema}".processed_events`)).rows.map(
        (row) => row.event_id,
      ),
    );

  it.each(['SIGKILL', 'SIGTERM'] as const)(
    'should accept every update while Kafka is down (%s), then deliver every event in order and every invalidation',
    async (signal) => {
      const bids = await burstAcrossOutage(signal);
      // While Kafka is down nothing can evict these; once it is back, the events of the burst must.
      for (const id of bids) await cache.set(BidCacheKeys.bid(id), STALE, { ttl: '1h' });
      for (const id of bids) expect(await cache.get(BidCacheKeys.bid(id))).toEqual(STALE);

      await broker.start();
      recording = await recordTopic(Topic.BidChanged, 60000, broker.brokers);
      const expected = BIDS * (UPDATES + 1);
      await eventually(() => firstDeliveries(bids).count >= expected, 90000, 250);

      const { count, versions } = firstDeliveries(bids);
      expect(count).toBe(expected);
      const inOrder = Array.from({ length: UPDATES + 1 }, (_, i) => i + 1);
      for (const id of bids) expect({ id, versions: versions[id] }).toEqual({ id, versions: inOrder });
      await eventually(
        async () => (await readOutbox(databaseUrl, schema)).every((row) => row.sentAt !== null),
        30000,
      );

      // Every event was handled by the service's consumer (it records an event after invalidating)...
      const eventIds = (await readOutbox(databaseUrl, schema))
        .filter((row) => bids.includes(row.messageKey))
        .map((row) => row.payload.eventId);
      expect(eventIds).toHaveLength(expected);
      await eventually(async () => {
        const processed = await processedEventIds();
        return eventIds.every((eventId) => processed.has(eventId));
      }, 60000);
      // ...and the cached bids it made stale are gone.
      for (const id of bids) expect(await cache.get(BidCacheKeys.bid(id))).toBeUndefined();
    },
    240000,
  );
});
