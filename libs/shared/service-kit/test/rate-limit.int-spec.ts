import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { startRedisServer, type RedisServerHandle } from '@platform/cache/testing';
import { grpcPackage, protoPath } from '@platform/proto';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import {
  RateLimit,
  RATE_LIMIT_DECISIONS_METRIC,
  RATE_LIMIT_FALLBACKS_METRIC,
  type RunningService,
  ServiceSpec,
} from '../src';
import {
  eventually,
  grpcTestClient,
  readJson,
  signTestToken,
  startTestService,
  testAuthEnv,
  useTestService,
} from '../src/testing';

@Controller('things')
class ThingsController {
  @Get(':id')
  find(@Param('id') id: string) {
    return { id };
  }

  @Get('scarce/:id')
  @RateLimit({ points: 2, perSeconds: 60 })
  scarce(@Param('id') id: string) {
    return { id };
  }
}

@Controller()
class BidsGrpcController {
  @GrpcMethod('BidService', 'GetBid')
  @RateLimit({ points: 2, perSeconds: 60 })
  getBid({ id }: { id: string }) {
    return { bid: { id, callId: 'c', buyerId: 'b', amountCents: 1, currency: 'USD' } };
  }
}

@Module({ controllers: [ThingsController, BidsGrpcController] })
class RateLimitTestModule {}

const spec: ServiceSpec = {
  defaults: { name: 'things', httpPort: 0, grpcPort: 0, dbSchema: 'public' },
  features: [RateLimitTestModule],
  database: { entities: [], migrations: [] },
  grpc: { package: grpcPackage.bid, protoPath: protoPath('bid'), readMethods: ['GetBid'] },
  kafka: { consumes: [], produces: [] },
};

const POINTS = 5;
/** Limits on, 5 per minute (so a test's requests never see a point come back), X-Forwarded-For trusted. */
const limited = (extra: Record<string, string> = {}): Record<string, string> => ({
  LOG_LEVEL: 'fatal',
  OUTBOX_RELAY_ENABLED: 'false',
  RATE_LIMIT_ENABLED: 'true',
  RATE_LIMIT_POINTS: String(POINTS),
  RATE_LIMIT_WINDOW_S: '60',
  HTTP_TRUST_PROXY: 'true',
  // A budget of this run's own in the shared Redis.
  CACHE_PREFIX: `rl-${randomUUID().slice(0, 8)}:`,
  // These suites check the budget Redis keeps. With the default 50 ms a loaded CI machine can make one
  // decision wait longer, and the instance then judges in memory for a second, per instance: a shared budget
  // looks unshared. The slow-Redis suite below sets the default back and checks that fallback on purpose.
  RATE_LIMIT_REDIS_TIMEOUT_MS: '5000',
  ...extra,
});

/** A client of its own: an address nobody else in this run uses (the services trust X-Forwarded-For). */
const newClient = () => `10.${[1, 2, 3].map(() => Math.floor(Math.random() * 250)).join('.')}`;

async function get(base: string, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(base + path, { headers });
  return { status: response.status, headers: response.headers, body: await readJson(response) };
}

/** The sum of the series of `name` whose labels include every one of `labels` (comma-separated). */
const metricValue = async (base: string, name: string, labels: string): Promise<number> => {
  const text = await (await fetch(`${base}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && labels.split(',').every((p) => l.includes(p)))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
};

async function grpcFailure(call: Promise<unknown>): Promise<ServiceError> {
  try {
    await call;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the gRPC call to fail');
}

describe.each([
  ['standalone Redis (Fastify)', 'standalone', 'fastify'],
  ['Redis Cluster (Fastify)', 'cluster', 'fastify'],
  ['standalone Redis (Express)', 'standalone', 'express'],
])('rate limit on %s', (_label, l2, adapter) => {
  const overrides = limited({ CACHE_L2: l2, HTTP_ADAPTER: adapter });
  const a = useTestService(spec, 'bid', overrides);
  const b = useTestService(spec, 'bid', overrides);

  it('should answer the N+1th request in a window 429 RATE_LIMIT.EXCEEDED with Retry-After and RateLimit-*', async () => {
    const client = { 'x-forwarded-for': newClient() };
    const remaining: (string | null)[] = [];
    for (let i = 0; i < POINTS; i++) {
      const answer = await get(a.httpUrl, `/things/${i}`, client);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('ratelimit-limit')).toBe(String(POINTS));
      remaining.push(answer.headers.get('ratelimit-remaining'));
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const refused = await get(a.httpUrl, '/things/x', client);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMIT.EXCEEDED' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    // Someone else is not affected.
    expect((await get(a.httpUrl, '/things/x', { 'x-forwarded-for': newClient() })).status).toBe(200);
  });

  it('should share one budget between two instances of the service', async () => {
    const client = { 'x-forwarded-for': newClient() };
    for (let i = 0; i < POINTS; i++) {
      const instance = i % 2 === 0 ? a : b;
      expect((await get(instance.httpUrl, `/things/${i}`, client)).status).toBe(200);
    }
    expect((await get(b.httpUrl, '/things/x', client)).status).toBe(429);
    expect((await get(a.httpUrl, '/things/x', client)).status).toBe(429);
  });

  it("should count a route's @RateLimit in a budget of its own", async () => {
    const client = { 'x-forwarded-for': newClient() };
    expect((await get(a.httpUrl, '/things/scarce/1', client)).status).toBe(200);
    expect((await get(b.httpUrl, '/things/scarce/2', client)).status).toBe(200);
    const refused = await get(a.httpUrl, '/things/scarce/3', client);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit-limit')).toBe('2');
    expect((await get(a.httpUrl, '/things/1', client)).status).toBe(200);
  });

  it('should never limit health and metrics, and count decisions on /metrics', async () => {
    const client = { 'x-forwarded-for': newClient() };
    for (let i = 0; i <= POINTS; i++) await get(a.httpUrl, `/things/${i}`, client);
    expect((await get(a.httpUrl, '/things/x', client)).status).toBe(429);
    for (let i = 0; i < POINTS * 2; i++) {
      expect((await get(a.httpUrl, '/health/live', client)).status).toBe(200);
      expect((await fetch(`${a.httpUrl}/metrics`, { headers: client })).status).toBe(200);
    }
    const route = 'route="GET /things/:id"';
    expect(
      await metricValue(a.httpUrl, RATE_LIMIT_DECISIONS_METRIC, `${route},outcome="limited"`),
    ).toBeGreaterThanOrEqual(2);
    expect(
      await metricValue(a.httpUrl, RATE_LIMIT_DECISIONS_METRIC, `${route},outcome="allowed"`),
    ).toBeGreaterThanOrEqual(POINTS);
    expect(await metricValue(a.httpUrl, RATE_LIMIT_FALLBACKS_METRIC, 'service="things"')).toBe(0);
  });

  it('should answer gRPC RESOURCE_EXHAUSTED with retry-after metadata past the budget', async () => {
    expect((await a.grpc.call('getBid', { id: '1' })).bid.id).toBe('1');
    expect((await b.grpc.call('getBid', { id: '2' })).bid.id).toBe('2');
    const failure = await grpcFailure(a.grpc.call('getBid', { id: '3' }));
    expect(failure.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(failure.details).toContain('RATE_LIMIT.EXCEEDED');
    expect(Number(failure.metadata.get('retry-after')[0])).toBeGreaterThanOrEqual(1);
  });
});

describe('rate limit with auth on', () => {
  const service = useTestService(spec, 'bid', testAuthEnv(limited()));

  it('should limit each verified subject on its own, whatever address it calls from, and never a peer service', async () => {
    const same = { 'x-forwarded-for': newClient() };
    const alice = {
      ...same,
      authorization: `Bearer ${await signTestToken({ sub: `alice-${randomUUID()}`, scopes: ['things:read'] })}`,
    };
    const bob = {
      ...same,
      authorization: `Bearer ${await signTestToken({ sub: `bob-${randomUUID()}`, scopes: ['things:read'] })}`,
    };
    const peer = {
      ...same,
      authorization: `Bearer ${await signTestToken({ sub: 'service:bid', scopes: ['things:read'] })}`,
    };
    for (let i = 0; i < POINTS; i++)
      expect((await get(service.httpUrl, `/things/${i}`, alice)).status).toBe(200);
    expect((await get(service.httpUrl, '/things/x', alice)).status).toBe(429);
    // Same address, another subject: its own budget.
    expect((await get(service.httpUrl, '/things/x', bob)).status).toBe(200);
    // Alice from another address is still Alice.
    expect(
      (await get(service.httpUrl, '/things/x', { ...alice, 'x-forwarded-for': newClient() })).status,
    ).toBe(429);
    for (let i = 0; i < POINTS * 2; i++)
      expect((await get(service.httpUrl, `/things/${i}`, peer)).status).toBe(200);
  });
});

describe('rate limit while Redis is down or slow', () => {
  let redis: RedisServerHandle;
  let service: RunningService;

  beforeAll(async () => {
    redis = await startRedisServer({ args: ['--enable-debug-command', 'yes'] });
    service = await startTestService(
      spec,
      limited({ REDIS_URL: redis.url, RATE_LIMIT_REDIS_TIMEOUT_MS: '50' }),
    );
  }, 60_000);
  afterAll(async () => {
    await service?.app.close();
    await redis?.stop();
  });

  it('should judge requests in memory when Redis is slow, and count the fallback', async () => {
    const client = { 'x-forwarded-for': newClient() };
    expect((await get(service.httpUrl, '/things/1', client)).status).toBe(200);
    const admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await admin.connect();
    try {
      const sleeping = admin.call('DEBUG', 'SLEEP', '3').catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100)); // let the server fall asleep
      // Every request is answered while Redis sleeps; one of them (once any earlier failure's pause is
      // over) waits for Redis, gives up, and is counted as a timeout.
      const statuses = new Set<number>();
      await eventually(
        async () => {
          statuses.add((await get(service.httpUrl, '/things/2', { 'x-forwarded-for': newClient() })).status);
          return (await metricValue(service.httpUrl, RATE_LIMIT_FALLBACKS_METRIC, 'reason="timeout"')) >= 1;
        },
        2500,
        50,
      );
      expect([...statuses]).toEqual([200]);
      await sleeping;
    } finally {
      admin.disconnect();
    }
  }, 20_000);

  it('should still answer every request with Redis stopped, limiting in memory, and count the fallback', async () => {
    await redis.stop();
    const before = await metricValue(service.httpUrl, RATE_LIMIT_FALLBACKS_METRIC, 'service="things"');
    const client = { 'x-forwarded-for': newClient() };
    for (let i = 0; i < POINTS; i++)
      expect((await get(service.httpUrl, `/things/${i}`, client)).status).toBe(200);
    const refused = await get(service.httpUrl, '/things/x', client);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('RATE_LIMIT.EXCEEDED');
    expect(
      await metricValue(service.httpUrl, RATE_LIMIT_FALLBACKS_METRIC, 'service="things"'),
    ).toBeGreaterThanOrEqual(before + POINTS + 1);
  });
});

describe('rate limit off (the default outside production)', () => {
  const service = useTestService(spec, 'bid', {
    LOG_LEVEL: 'fatal',
    OUTBOX_RELAY_ENABLED: 'false',
    RATE_LIMIT_POINTS: '1',
  });

  it('should not limit, nor send RateLimit headers', async () => {
    for (let i = 0; i < 5; i++) {
      const answer = await get(service.httpUrl, `/things/${i}`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('ratelimit-limit')).toBeNull();
    }
    const client = grpcTestClient('bid', service.grpcAddress);
    try {
      for (let i = 0; i < 4; i++)
        expect((await client.call('getBid', { id: String(i) })).bid.id).toBe(String(i));
    } finally {
      client.close();
    }
  });
});
