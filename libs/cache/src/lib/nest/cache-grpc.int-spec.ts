import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { INestMicroservice } from '@nestjs/common';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import type { RedisConnection } from '../redis-connection';
import { freePort } from '../testing/local-process';
import { REDIS_TARGETS, openRedis, uniquePrefix } from '../../test-support/redis-targets';
import { CacheModule } from './cache.module';
import { BID_STORE, BidStore } from './test-fixtures/bids.fixture';
import {
  BID_LOOKUP_PACKAGE,
  BID_LOOKUP_PROTO,
  BidLookupGrpcController,
} from './test-fixtures/grpc/bid-lookup.grpc.controller';

interface Reply {
  bidId: string;
  amount: number;
  loads: number;
}
type Unary = (request: object, callback: (error: grpc.ServiceError | null, reply: Reply) => void) => void;
interface BidLookupClient extends grpc.Client {
  getBid: Unary;
  updateBid: Unary;
}

const call = (client: BidLookupClient, method: 'getBid' | 'updateBid', request: object) =>
  new Promise<Reply>((resolve, reject) =>
    client[method](request, (error, reply) => (error ? reject(error) : resolve(reply))),
  );

describe.each(REDIS_TARGETS)('cache decorators on unary gRPC handlers (%s)', (target) => {
  let redis: RedisConnection;
  let store: BidStore;
  let app: INestMicroservice;
  let client: BidLookupClient;

  beforeAll(async () => {
    redis = await openRedis(target);
  });

  beforeEach(async () => {
    store = new BidStore();
    store.rows.set('42', { id: '42', buyerId: 'b1', amount: 10 });
    const port = await freePort();
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ prefix: uniquePrefix(`nest-grpc-${target}`), l2: { redis } })],
      controllers: [BidLookupGrpcController],
      providers: [{ provide: BID_STORE, useValue: store }],
    }).compile();
    app = moduleRef.createNestMicroservice<MicroserviceOptions>({
      transport: Transport.GRPC,
      options: { package: BID_LOOKUP_PACKAGE, protoPath: BID_LOOKUP_PROTO, url: `127.0.0.1:${port}` },
      logger: false,
    });
    await app.listen();
    const definition = protoLoader.loadSync(BID_LOOKUP_PROTO);
    const pkg = grpc.loadPackageDefinition(definition) as unknown as {
      cachefixture: {
        v1: {
          BidLookupService: new (address: string, credentials: grpc.ChannelCredentials) => BidLookupClient;
        };
      };
    };
    client = new pkg.cachefixture.v1.BidLookupService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  afterEach(async () => {
    client.close();
    await app.close();
  });

  afterAll(async () => {
    await redis.quit();
  });

  it('should answer repeated calls from the cache', async () => {
    expect(await call(client, 'getBid', { bidId: '42' })).toEqual({ bidId: '42', amount: 10, loads: 1 });
    expect(await call(client, 'getBid', { bidId: '42' })).toEqual({ bidId: '42', amount: 10, loads: 1 });
    expect(store.count('getBid')).toBe(1);
  });

  it('should coalesce concurrent calls into one handler run', async () => {
    const open = store.hold();
    const calls = Array.from({ length: 20 }, () => call(client, 'getBid', { bidId: '42' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    open();

    const replies = await Promise.all(calls);
    expect(store.count('getBid')).toBe(1);
    expect(replies.every((reply) => reply.loads === 1)).toBe(true);
  });

  it('should evict on update, so the next read sees the new value', async () => {
    await call(client, 'getBid', { bidId: '42' });

    await call(client, 'updateBid', { bidId: '42', amount: 99 });

    expect(await call(client, 'getBid', { bidId: '42' })).toEqual({ bidId: '42', amount: 99, loads: 2 });
  });

  it('should pass bad input through to the handler: INVALID_ARGUMENT naming the field', async () => {
    await expect(call(client, 'getBid', { bidId: '' })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('bid_id'),
    });
  });

  it('should not cache errors: NOT_FOUND twice runs the handler twice', async () => {
    await expect(call(client, 'getBid', { bidId: 'nope' })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
    await expect(call(client, 'getBid', { bidId: 'nope' })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
    expect(store.count('getBid')).toBe(2);
  });
});
