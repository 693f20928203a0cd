import { startRedisServer } from '@platform/cache/testing';
import { RunningService } from '@platform/service-kit';
import {
  dropSchema,
  eventually,
  KafkaBrokerHandle,
  readJson,
  sendJson,
  stackEnv,
  startKafkaBroker,
  startTestService,
} from '@platform/service-kit/testing';
import { randomBytes } from 'node:crypto';
import { bidServiceSpec } from '../src';

/**
 * Readiness is about this instance, not about the dependencies every instance shares. The bid service runs
 * on a throwaway Redis and a throwaway Kafka broker (the shared stack is never touched); with both down it
 * keeps serving reads and accepting writes, so `/health/ready` must stay 200 (a red readiness on every
 * instance at once would be a full outage in Kubernetes), while `/health` and `dependency_up` say what is down.
 */
describe('bid service readiness with Redis and Kafka down (throwaway servers)', () => {
  const schema = `bid_ready_${randomBytes(4).toString('hex')}`;
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let broker: KafkaBrokerHandle;
  let service: RunningService;

  beforeAll(async () => {
    [redis, broker] = await Promise.all([startRedisServer(), startKafkaBroker()]);
    service = await startTestService(bidServiceSpec(), {
      REDIS_URL: redis.url,
      KAFKA_BROKERS: broker.brokers,
      DB_SCHEMA: schema,
      CACHE_PREFIX: `${schema}:`,
      LOG_LEVEL: 'fatal',
    });
  }, 180000);

  afterAll(async () => {
    await service?.app.close();
    await Promise.all([redis?.stop(), broker?.destroy()]);
    await dropSchema(stackEnv()['DATABASE_URL'], schema);
  }, 60000);

  const up = async (dependency: string) => {
    const text = await (await fetch(`${service.httpUrl}/metrics`)).text();
    return new RegExp(`^dependency_up\\{dependency="${dependency}"\\} (\\d)$`, 'm').exec(text)?.[1];
  };
  const newBid = () => ({
    callId: `call-${randomBytes(6).toString('hex')}`,
    buyerId: 'ready',
    amountCents: 5,
  });

  it('should stay ready and keep serving while Redis and Kafka are down, and report both in /health', async () => {
    const health = await readJson(await fetch(`${service.httpUrl}/health`));
    expect(health).toMatchObject({ status: 'ok' });
    expect(Object.keys(health.details).sort()).toEqual([
      'cacheCircuitBreaker',
      'kafka',
      'lifecycle',
      'postgres',
      'redis',
      'redisCluster',
    ]);
    const { id } = await readJson(await sendJson('POST', `${service.httpUrl}/bids`, newBid()));

    await redis.kill();
    await broker.stop('SIGKILL');

    const degraded = await eventually(async () => {
      const body = await readJson(await fetch(`${service.httpUrl}/health`));
      return body.error?.redis && body.error?.kafka && body;
    }, 30000);
    expect(degraded).toMatchObject({
      status: 'degraded',
      details: { lifecycle: { status: 'up' }, postgres: { status: 'up' } },
    });
    expect(await up('redis')).toBe('0');
    expect(await up('kafka')).toBe('0');
    expect(await up('postgres')).toBe('1');

    const ready = await fetch(`${service.httpUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect((await readJson(ready)).details).toEqual({ lifecycle: { status: 'up' } });
    expect((await fetch(`${service.httpUrl}/bids/${id}`)).status).toBe(200);
    expect((await sendJson('POST', `${service.httpUrl}/bids`, newBid())).status).toBe(201);

    await redis.restart();
    await broker.start();
    await eventually(
      async () => (await readJson(await fetch(`${service.httpUrl}/health`))).status === 'ok',
      60000,
    );
    expect(await up('redis')).toBe('1');
  }, 180000);
});

/** The one thing that takes an instance out of rotation: its own shutdown. */
describe('bid service readiness while draining (real Postgres, Redis, Kafka)', () => {
  it('should answer 503 on /health/ready and /health once shutdown begins, and 200 on /health/live', async () => {
    const service = await startTestService(bidServiceSpec(), {
      SHUTDOWN_DRAIN_DELAY_MS: '5000',
      LOG_LEVEL: 'fatal',
    });
    let closing: Promise<void> | undefined;
    try {
      expect((await fetch(`${service.httpUrl}/health/ready`)).status).toBe(200);
      closing = service.app.close();
      const ready = await eventually(
        async () => {
          const response = await fetch(`${service.httpUrl}/health/ready`);
          return response.status === 503 && response;
        },
        4000,
        50,
      );
      expect((await readJson(ready)).details).toEqual({ lifecycle: { status: 'down', state: 'draining' } });
      const health = await fetch(`${service.httpUrl}/health`);
      expect(health.status).toBe(503);
      expect(await readJson(health)).toMatchObject({
        status: 'error',
        error: { lifecycle: { status: 'down', state: 'draining' } },
      });
      expect((await fetch(`${service.httpUrl}/health/live`)).status).toBe(200);
    } finally {
      await (closing ?? service.app.close());
    }
  }, 60000);
});
