import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { RunningService } from '@platform/service-kit';
import {
  dropSchema,
  eventually,
  KafkaBrokerHandle,
  readJson,
  readOutbox,
  sendJson,
  stackEnv,
  startKafkaBroker,
  startTestService,
} from '@platform/service-kit/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { bidServiceSpec } from '../src';
import { BidCacheKeys } from '../src/lib/cache/bid-cache.keys';

/**
 * A writer sees its own writes without Kafka: two instances of the bid service share a throwaway broker
 * (the shared stack's Kafka is never touched), which is stopped before the write. The instance that commits
 * a bid change evicts the service's own keys (L2, every instance's L1 over the bus) before it answers, so
 * the buyer's active list is fresh at once on the writer and shortly after on the other instance, long
 * before Kafka comes back.
 */
describe('bid service: read-your-writes with Kafka down (throwaway broker, two instances)', () => {
  const schema = `bid_ryw_${randomBytes(4).toString('hex')}`;
  const databaseUrl = stackEnv()['DATABASE_URL'];
  let broker: KafkaBrokerHandle;
  let instances: RunningService[] = [];

  beforeAll(async () => {
    broker = await startKafkaBroker();
    const env = {
      KAFKA_BROKERS: broker.brokers,
      DB_SCHEMA: schema,
      CACHE_PREFIX: `${schema}:`,
      KAFKA_GROUP_ID: `bid-${schema}`,
      LOG_LEVEL: 'fatal',
    };
    instances = [await startTestService(bidServiceSpec(), env)];
    instances.push(await startTestService(bidServiceSpec(), env));
  }, 240000);

  afterAll(async () => {
    for (const instance of instances) await instance.app.close();
    await broker?.destroy();
    await dropSchema(databaseUrl, schema);
  }, 60000);

  const cache = () => instances[0].app.get<TieredCache>(CACHE_INSTANCE);
  const active = async (instance: RunningService, buyerId: string): Promise<string[]> => {
    const response = await fetch(`${instance.httpUrl}/bids/buyers/${buyerId}/active`);
    expect(response.status).toBe(200);
    return ((await readJson(response)).bids as { id: string }[]).map((bid) => bid.id);
  };

  it('should serve the changed bid list at once on the writer and on the other instance', async () => {
    const buyerId = `buyer-${randomUUID()}`;
    // The buyer has no routing criteria (cached as such), so the view needs no routing service.
    await cache().set(BidCacheKeys.buyerRouting(buyerId), null, { ttl: '1h' });
    const created = await sendJson('POST', `${instances[0].httpUrl}/bids`, {
      callId: `call-${randomUUID()}`,
      buyerId,
      amountCents: 100,
    });
    expect(created.status).toBe(201);
    const { id } = await readJson(created);
    // Both instances cache the list with the bid (in L2 and in their own L1).
    for (const instance of instances) expect(await active(instance, buyerId)).toEqual([id]);
    for (const instance of instances) expect(await active(instance, buyerId)).toEqual([id]);

    await broker.stop('SIGKILL');
    const patched = await sendJson('PATCH', `${instances[0].httpUrl}/bids/${id}`, { status: 'won' });
    expect(patched.status).toBe(200);
    expect(broker.running).toBe(false);
    // The change's event is still waiting for Kafka: only the writer's own eviction can explain a fresh list.
    const waiting = (await readOutbox(databaseUrl, schema)).filter((row) => row.sentAt === null);
    expect(waiting.map((row) => row.messageKey)).toContain(id);

    expect(await active(instances[0], buyerId)).toEqual([]);
    await eventually(async () => (await active(instances[1], buyerId)).length === 0, 10000);
  }, 120000);
});
