import {
  credentials,
  makeGenericClientConstructor,
  status as GrpcStatus,
  type ServiceError,
} from '@grpc/grpc-js';
import { Body, Controller, Get, Inject, Module, Param, Post } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { grpcPackage, protoPath } from '@platform/proto';
import { IsString } from 'class-validator';
import { IsEntityId, ServiceSpec } from '../src';
import { readJson, useTestService } from '../src/testing';
import { connect } from 'node:net';

class IdParam {
  @IsEntityId()
  id!: string;
}

class NameBody {
  @IsString()
  name!: string;
}

/** Loader runs of `GET /big/:id`, to tell a value served from the source from one served by the cache. */
const bigLoads = new Map<string, number>();

@Controller()
class LimitsController {
  constructor(@Inject(CACHE_INSTANCE) private readonly cache: TieredCache) {}

  @Get('things/:id')
  find(@Param() { id }: IdParam) {
    return { id };
  }

  @Post('things')
  create(@Body() { name }: NameBody) {
    return { name };
  }

  /** A key straight from the path into the cache, unvalidated (what a route must not do, proven harmless). */
  @Get('raw/:key')
  async raw(@Param('key') key: string) {
    return { value: await this.cache.namespace('raw').getOrSet(key, () => 'v') };
  }

  /** A value over the cache's largest entry (1 MiB by default). */
  @Get('big/:id')
  async big(@Param('id') id: string) {
    const value = await this.cache.namespace<string>('big').getOrSet(id, () => {
      bigLoads.set(id, (bigLoads.get(id) ?? 0) + 1);
      return 'x'.repeat(2 * 1024 * 1024);
    });
    return { length: value.length };
  }
}

@Controller()
class BidsGrpcController {
  @GrpcMethod('BidService', 'GetBid')
  getBid({ id }: { id: string }) {
    const callId = id === 'huge' ? 'c'.repeat(64 * 1024) : 'c';
    return { bid: { id, callId, buyerId: 'b', amountCents: 1, currency: 'USD' } };
  }

  /** A small answer whatever was sent, so only the request's size is at stake. */
  @GrpcMethod('BidService', 'CreateBid')
  createBid() {
    return { bid: { id: 'new', callId: 'c', buyerId: 'b', amountCents: 1, currency: 'USD' } };
  }
}

@Module({ controllers: [LimitsController, BidsGrpcController] })
class LimitsTestModule {}

const spec: ServiceSpec = {
  defaults: { name: 'things', httpPort: 0, grpcPort: 0, dbSchema: 'public' },
  features: [LimitsTestModule],
  database: { entities: [], migrations: [] },
  grpc: { package: grpcPackage.bid, protoPath: protoPath('bid'), readMethods: ['GetBid'] },
  kafka: { consumes: [], produces: [] },
};

const BODY_LIMIT = 2048;
const GRPC_LIMIT = 16 * 1024;
const TOO_LARGE = {
  statusCode: 413,
  code: 'HTTP.413',
  message: `(body) is larger than the ${BODY_LIMIT} bytes the service accepts`,
  fields: [{ field: '(body)', message: `is larger than the ${BODY_LIMIT} bytes the service accepts` }],
};

async function grpcFailure(call: Promise<unknown>): Promise<ServiceError> {
  try {
    await call;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the gRPC call to fail');
}

/** Sends `payload` as the request's bytes, unencoded; the call's error, or undefined when it succeeded. */
function rawGrpcCall(address: string, path: string, payload: Buffer): Promise<ServiceError | undefined> {
  const client = new RawClient(address, credentials.createInsecure());
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      path,
      (bytes: Buffer) => bytes,
      (bytes: Buffer) => bytes,
      payload,
      (error) => {
        client.close();
        resolve(error ?? undefined);
      },
    ),
  );
}
const RawClient = makeGenericClientConstructor({}, 'RawClient');

/** Writes `request` as raw bytes to the service and resolves everything it answers until it closes. */
function rawHttp(baseUrl: string, request: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.setTimeout(10_000, () => socket.destroy(new Error('the service did not close the connection')));
  });
}

describe.each(['fastify', 'express'])('input limits on %s', (adapter) => {
  const service = useTestService(spec, 'bid', {
    HTTP_ADAPTER: adapter,
    LOG_LEVEL: 'fatal',
    OUTBOX_RELAY_ENABLED: 'false',
    HTTP_BODY_LIMIT_BYTES: String(BODY_LIMIT),
    GRPC_MAX_RECEIVE_MESSAGE_BYTES: String(GRPC_LIMIT),
    GRPC_MAX_SEND_MESSAGE_BYTES: String(GRPC_LIMIT),
  });
  const post = async (body: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${service.httpUrl}/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: response.status, body: await readJson(response) };
  };

  it('should answer a body over HTTP_BODY_LIMIT_BYTES 413 in the house error shape, and take one under it', async () => {
    const over = await post(JSON.stringify({ name: 'n'.repeat(BODY_LIMIT) }));
    expect(over.status).toBe(413);
    expect(over.body).toEqual(TOO_LARGE);
    const under = await post(JSON.stringify({ name: 'n'.repeat(BODY_LIMIT - 100) }));
    expect(under.status).toBe(201);
  });

  it('should answer a chunked body over the limit 413 too, sent in several chunks', async () => {
    const text = JSON.stringify({ name: 'n'.repeat(BODY_LIMIT * 2) });
    const chunks = [text.slice(0, 1000), text.slice(1000, 3000), text.slice(3000)];
    const response = await fetch(`${service.httpUrl}/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await readJson(response)).toEqual(TOO_LARGE);
  });

  it('should answer a body that is not JSON 415 naming content-type', async () => {
    for (const [type, said] of [
      ['text/plain', 'text/plain is not supported'],
      ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded is not supported'],
    ]) {
      const response = await post('name=a', { 'content-type': type });
      expect(response.status).toBe(415);
      expect(response.body).toEqual({
        statusCode: 415,
        code: 'HTTP.415',
        message: `content-type ${said}: send the body as application/json`,
        fields: [{ field: 'content-type', message: `${said}: send the body as application/json` }],
      });
    }
  });

  it('should refuse a __proto__ or constructor.prototype key 400 naming it, as the same answer on both adapters', async () => {
    const cases = [
      { body: '{"name":"a","__proto__":{"polluted":true}}', fields: ['__proto__'] },
      { body: '{"name":"a","inner":{"constructor":{"prototype":{"x":1}}}}', fields: ['inner.constructor'] },
    ];
    for (const { body, fields } of cases) {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION.FAILED');
      expect(response.body.fields).toEqual(
        fields.map((field) => ({ field, message: 'is a reserved name and not allowed' })),
      );
    }
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('should answer a path parameter far over its limit 400 naming the field, not 404', async () => {
    for (const length of [65, 101, 5000]) {
      const response = await fetch(`${service.httpUrl}/things/${'a'.repeat(length)}`);
      expect(response.status).toBe(400);
      const body = await readJson(response);
      expect(body.code).toBe('VALIDATION.FAILED');
      expect(body.fields.map((f: { field: string }) => f.field)).toEqual(['id']);
    }
  });

  it('should answer a path whose percent-encoding is broken 400 naming the path, in the service shape', async () => {
    for (const path of ['/things/%E0%A4%A', '/things/%', '/things/a%ZZb']) {
      const response = await fetch(`${service.httpUrl}${path}`);
      expect(response.status).toBe(400);
      const body = await readJson(response);
      expect(body.code).toBe('VALIDATION.FAILED');
      expect(body.fields.map((f: { field: string }) => f.field)).toEqual(['(path)']);
    }
  });

  it('should answer headers over the limit 431, and a request that is not HTTP 400, naming it and closing the connection', async () => {
    const cases = [
      {
        request: `GET /things/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`,
        status: 431,
        code: 'REQUEST.HEADERS_TOO_LARGE',
        field: '(headers)',
      },
      { request: 'NOT HTTP AT ALL\r\n\r\n', status: 400, code: 'REQUEST.MALFORMED', field: '(request)' },
    ];
    for (const expected of cases) {
      const answer = await rawHttp(service.httpUrl, expected.request);
      const [head, body] = answer.split('\r\n\r\n');
      expect(head.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${expected.status} `));
      // Without it a keep-alive client may send its next request into the socket being destroyed.
      expect(head.toLowerCase()).toContain('connection: close');
      const parsed = JSON.parse(body);
      expect(parsed.code).toBe(expected.code);
      expect(parsed.fields.map((f: { field: string }) => f.field)).toEqual([expected.field]);
    }
  });

  it('should answer a cache key over the engine limit 400 naming it, never 500', async () => {
    const response = await fetch(`${service.httpUrl}/raw/${'k'.repeat(2000)}`);
    expect(response.status).toBe(400);
    const body = await readJson(response);
    expect(body.code).toBe('REQUEST.KEY_TOO_LONG');
    expect(body.fields[0].field).toBe('(key)');
    expect((await fetch(`${service.httpUrl}/raw/short`)).status).toBe(200);
  });

  it('should serve a value over the cache entry limit from the source, uncached', async () => {
    const id = `${adapter}-${Date.now()}`;
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${service.httpUrl}/big/${id}`);
      expect(response.status).toBe(200);
      expect((await readJson(response)).length).toBe(2 * 1024 * 1024);
    }
    expect(bigLoads.get(id)).toBe(2);
  });

  it('should refuse a gRPC request over GRPC_MAX_RECEIVE_MESSAGE_BYTES with RESOURCE_EXHAUSTED', async () => {
    const failure = await grpcFailure(service.grpc.call('createBid', { callId: 'c'.repeat(GRPC_LIMIT + 1) }));
    expect(failure.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect((await service.grpc.call('createBid', { callId: 'c'.repeat(GRPC_LIMIT - 100) })).bid.id).toBe(
      'new',
    );
  });

  it('should answer a gRPC request that is not a valid message INVALID_ARGUMENT naming the payload, not INTERNAL', async () => {
    // Bytes with an invalid wire type, a field tag with no length after it, and a varint cut short: the
    // decoder refuses all three (left alone, grpc-js answers INTERNAL: "Error deserializing request").
    const payloads = [
      Buffer.from('deadbeefcafebabe0011223344556677', 'hex'),
      Buffer.from([0x0a]),
      Buffer.from([0xff]),
    ];
    for (const payload of payloads) {
      const failure = await rawGrpcCall(service.grpcAddress, '/bid.v1.BidService/GetBid', payload);
      expect(failure?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(failure?.details).toContain('(payload): is not a valid bid.v1.GetBidRequest protobuf message');
    }
    // A well-formed request still works.
    expect(
      await rawGrpcCall(service.grpcAddress, '/bid.v1.BidService/GetBid', Buffer.from([0x0a, 0x01, 0x61])),
    ).toBe(undefined);
  });

  it('should not send a gRPC answer over GRPC_MAX_SEND_MESSAGE_BYTES: RESOURCE_EXHAUSTED', async () => {
    const failure = await grpcFailure(service.grpc.call('getBid', { id: 'huge' }));
    expect(failure.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
  });
});
