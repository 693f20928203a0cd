import { status } from '@grpc/grpc-js';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Cache } from '@platform/cache';
import { CacheModule, InjectCache } from '@platform/cache/nest';
import { grpcPackage, protoPath } from '@platform/proto';
import { randomUUID } from 'node:crypto';
import { NotFoundError, ServiceSpec, ValidationFailedError } from '../src';
import { readJson, useTestService } from '../src/testing';

const NAMESPACE = 'loader-errors';

/** A cached read whose loader fails the way a domain's does: by throwing a DomainError. */
class CachedReads {
  constructor(private readonly cache: Cache<{ id: string }>) {}

  read(id: string): Promise<{ id: string }> {
    return this.cache.getOrSet(id, () => this.load(id));
  }

  private load(id: string): Promise<{ id: string }> {
    if (id.startsWith('invalid-')) {
      throw new ValidationFailedError([{ field: 'id', message: 'must name an existing bid' }]);
    }
    // A loader that itself reads through the cache: the domain error arrives wrapped twice.
    if (id.startsWith('nested-')) return this.read(`missing-${id}`);
    throw new NotFoundError('bid', id);
  }
}

@Controller('loader-errors')
class LoaderErrorsController {
  private readonly reads: CachedReads;

  constructor(@InjectCache(NAMESPACE) cache: Cache<{ id: string }>) {
    this.reads = new CachedReads(cache);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.reads.read(id);
  }
}

@Controller()
class LoaderErrorsGrpcController {
  private readonly reads: CachedReads;

  constructor(@InjectCache(NAMESPACE) cache: Cache<{ id: string }>) {
    this.reads = new CachedReads(cache);
  }

  @GrpcMethod('BidService', 'GetBid')
  async getBid({ id }: { id: string }) {
    return { bid: await this.reads.read(id) };
  }
}

@Module({
  imports: [CacheModule.forFeature({ namespace: NAMESPACE, ttl: { l1: '1m', l2: '1m' } })],
  controllers: [LoaderErrorsController, LoaderErrorsGrpcController],
})
class LoaderErrorsModule {}

const spec: ServiceSpec = {
  defaults: { name: 'loader-errors', httpPort: 0, grpcPort: 0, dbSchema: 'loader_errors_test' },
  features: [LoaderErrorsModule],
  database: { entities: [], migrations: [] },
  grpc: { package: grpcPackage.bid, protoPath: protoPath('bid') },
  kafka: { consumes: [], produces: [] },
};

/**
 * A domain error thrown inside a cached loader reaches callers with its own status on both transports:
 * the exception filter unwraps the cache's `E_CACHE_LOADER_FAILED`, so no controller or service has to.
 * A real service bootstrap (global filter shared by HTTP and gRPC) over the real Redis.
 */
describe('domain errors from cache loaders (real service bootstrap, Redis)', () => {
  const service = useTestService(spec, 'bid', {
    CACHE_PREFIX: `loader-errors-${randomUUID().slice(0, 8)}:`,
    OUTBOX_RELAY_ENABLED: 'false',
  });

  it('should answer a NotFoundError from a loader with 404 over REST and NOT_FOUND over gRPC', async () => {
    const response = await fetch(`${service.httpUrl}/loader-errors/missing-1`);
    expect(response.status).toBe(404);
    expect(await readJson(response)).toMatchObject({ statusCode: 404, code: 'BID.NOT_FOUND' });

    await expect(service.grpc.call('getBid', { id: 'missing-1' })).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: expect.stringContaining('BID.NOT_FOUND'),
    });
  });

  it('should unwrap a loader error nested in another cached read', async () => {
    const response = await fetch(`${service.httpUrl}/loader-errors/nested-1`);
    expect(response.status).toBe(404);
    expect(await readJson(response)).toMatchObject({ code: 'BID.NOT_FOUND' });

    await expect(service.grpc.call('getBid', { id: 'nested-2' })).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
  });

  it('should answer a ValidationFailedError from a loader with 400 / INVALID_ARGUMENT naming the field', async () => {
    const response = await fetch(`${service.httpUrl}/loader-errors/invalid-1`);
    expect(response.status).toBe(400);
    expect(await readJson(response)).toMatchObject({
      code: 'VALIDATION.FAILED',
      fields: [{ field: 'id', message: 'must name an existing bid' }],
    });

    await expect(service.grpc.call('getBid', { id: 'invalid-1' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'VALIDATION.FAILED: id: must name an existing bid',
    });
  });
});
