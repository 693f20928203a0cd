import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { readJson, useTestService } from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { bidServiceSpec } from '../src';

async function grpcFailure(call: Promise<unknown>): Promise<ServiceError> {
  try {
    await call;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the gRPC call to fail');
}

describe('bid service input limits (real Postgres, Redis, Kafka)', () => {
  const service = useTestService(bidServiceSpec(), 'bid', { LOG_LEVEL: 'fatal' });

  // [path with {long} where the over-long value goes, the field the 400 must name]
  const routes: [string, string][] = [
    ['/bids/{long}', 'id'],
    ['/bids/buyers/{long}/active', 'buyerId'],
    ['/bids/calls/{long}', 'callId'],
  ];

  it.each(routes)(
    'should answer GET %s with an over-long id 400 naming %s, however long',
    async (path, field) => {
      for (const length of [65, 150, 4000]) {
        const response = await fetch(service.httpUrl + path.replace('{long}', 'a'.repeat(length)));
        expect(response.status).toBe(400);
        const body = await readJson(response);
        expect(body.code).toBe('VALIDATION.FAILED');
        expect(body.fields.map((f: { field: string }) => f.field)).toEqual([field]);
      }
    },
  );

  it('should refuse a gRPC request over the 4 MiB default with RESOURCE_EXHAUSTED, and still serve the next', async () => {
    const failure = await grpcFailure(service.grpc.call('getBid', { id: 'x'.repeat(5 * 1024 * 1024) }));
    expect(failure.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    const missing = await grpcFailure(service.grpc.call('getBid', { id: randomUUID() }));
    expect(missing.code).toBe(GrpcStatus.NOT_FOUND);
  });
});

describe('bid service with a per-client rate limit (real Postgres, Redis, Kafka)', () => {
  const service = useTestService(bidServiceSpec(), 'bid', {
    LOG_LEVEL: 'fatal',
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_POINTS: '3',
    RATE_LIMIT_WINDOW_S: '60',
    CACHE_PREFIX: `bid-rl-${randomUUID().slice(0, 8)}:`,
  });

  it('should answer the 4th request of a client 429 with Retry-After, health staying open', async () => {
    const path = `/bids/calls/call-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 3; i++) expect((await fetch(service.httpUrl + path)).status).toBe(200);
    const refused = await fetch(service.httpUrl + path);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await readJson(refused)).toMatchObject({ statusCode: 429, code: 'RATE_LIMIT.EXCEEDED' });
    expect((await fetch(`${service.httpUrl}/health/ready`)).status).toBe(200);
  });
});
