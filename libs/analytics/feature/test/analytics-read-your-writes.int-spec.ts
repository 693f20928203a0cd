import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { RunningService } from '@platform/service-kit';
import {
  dropSchema,
  KafkaBrokerHandle,
  readJson,
  readOutbox,
  sendJson,
  stackEnv,
  startKafkaBroker,
  startTestService,
} from '@platform/service-kit/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { analyticsServiceSpec } from '../src';
import { AnalyticsCacheKeys } from '../src/lib/cache/analytics-cache.keys';

/**
 * A recorded call shows in the same service's revenue views at once, with Kafka down (a throwaway broker,
 * stopped before the write; the shared stack's Kafka is never touched): the writer evicts its own views
 * when the transaction commits, before it answers.
 */
describe('analytics service: read-your-writes with Kafka down (throwaway broker)', () => {
  const schema = `analytics_ryw_${randomBytes(4).toString('hex')}`;
  const databaseUrl = stackEnv()['DATABASE_URL'];
  let broker: KafkaBrokerHandle;
  let service: RunningService;

  beforeAll(async () => {
    broker = await startKafkaBroker();
    service = await startTestService(analyticsServiceSpec(), {
      KAFKA_BROKERS: broker.brokers,
      DB_SCHEMA: schema,
      CACHE_PREFIX: `${schema}:`,
      KAFKA_GROUP_ID: `analytics-${schema}`,
      LOG_LEVEL: 'fatal',
    });
  }, 240000);

  afterAll(async () => {
    await service?.app.close();
    await broker?.destroy();
    await dropSchema(databaseUrl, schema);
  }, 60000);

  const revenue = async (buyerId: string, period: string) => {
    const response = await fetch(`${service.httpUrl}/analytics/revenue/${buyerId}?period=${period}`);
    expect(response.status).toBe(200);
    return { calls: (await readJson(response)).calls as number, cache: response.headers.get('x-cache') };
  };

  it('should show a call recorded while Kafka is down in the day and the month view at once', async () => {
    const buyerId = `buyer-${randomUUID()}`;
    // The buyer has no routing criteria (cached as such), so the view needs no routing service.
    await service.app
      .get<TieredCache>(CACHE_INSTANCE)
      .set(AnalyticsCacheKeys.buyerRouting(buyerId), null, { ttl: '1h' });
    for (const period of ['2025-03-04', '2025-03']) {
      expect(await revenue(buyerId, period)).toEqual({ calls: 0, cache: 'MISS' });
      expect(await revenue(buyerId, period)).toEqual({ calls: 0, cache: 'HIT' });
    }

    await broker.stop('SIGKILL');
    const callId = `call-${randomUUID()}`;
    const recorded = await sendJson('POST', `${service.httpUrl}/analytics/calls`, {
      callId,
      buyerId,
      state: 'CA',
      startedAt: '2025-03-04T12:00:00Z',
      durationSeconds: 60,
      revenueCents: 100,
      outcome: 'connected',
    });
    expect(recorded.status).toBe(201);
    expect(broker.running).toBe(false);
    const { id } = await readJson(recorded);
    // Its event is still waiting for Kafka: only the writer's own eviction can explain fresh views.
    const waiting = (await readOutbox(databaseUrl, schema)).filter((row) => row.sentAt === null);
    expect(waiting.map((row) => row.messageKey)).toContain(id);

    for (const period of ['2025-03-04', '2025-03']) {
      expect(await revenue(buyerId, period)).toEqual({ calls: 1, cache: 'MISS' });
    }
  }, 120000);
});
