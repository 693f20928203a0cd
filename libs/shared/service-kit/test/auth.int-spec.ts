import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { Body, Controller, Delete, Get, Module, Param, Post, Req } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { loadServiceConfig } from '@platform/config';
import { grpcPackage, protoPath } from '@platform/proto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminRoute,
  createGrpcClient,
  Public,
  RequireScopes,
  ServiceCredentials,
  ServiceSpec,
  VerifiedCaller,
} from '../src';
import {
  bearer,
  JsonBody,
  readJson,
  signTestToken,
  stackEnv,
  testAuthEnv,
  useTestService,
} from '../src/testing';

/** REST routes covering each scope rule; the answer names the verified caller. */
@Controller('things')
class ThingsController {
  @Get(':id')
  find(@Param('id') id: string, @Req() request: { user?: VerifiedCaller }) {
    return { id, caller: request.user?.sub ?? null };
  }

  @Post()
  create(@Body() body: { name?: string }) {
    return { created: body.name ?? null };
  }

  @Delete(':id')
  @AdminRoute()
  remove(@Param('id') id: string) {
    return { removed: id };
  }
}

@Controller()
class OtherController {
  @Get('open')
  @Public()
  open() {
    return { open: true };
  }

  @Get('special')
  @RequireScopes('reports:export')
  special() {
    return { special: true };
  }
}

/** Two of bid's gRPC methods: one declared a read, one not (so a write). */
@Controller()
class BidsGrpcController {
  @GrpcMethod('BidService', 'GetBid')
  getBid({ id }: { id: string }) {
    return { bid: { id, callId: 'c', buyerId: 'b', amountCents: 1, currency: 'USD' } };
  }

  @GrpcMethod('BidService', 'CreateBid')
  createBid({ callId }: { callId: string }) {
    return { bid: { id: 'new', callId, buyerId: 'b', amountCents: 1, currency: 'USD' } };
  }
}

@Module({ controllers: [ThingsController, OtherController, BidsGrpcController] })
class AuthTestModule {}

const spec: ServiceSpec = {
  defaults: { name: 'things', httpPort: 0, grpcPort: 0, dbSchema: 'public' },
  features: [AuthTestModule],
  database: { entities: [], migrations: [] },
  grpc: { package: grpcPackage.bid, protoPath: protoPath('bid'), readMethods: ['GetBid'] },
  kafka: { consumes: [], produces: [] },
};

/** 401s and 403s are what these tests provoke: keep the logs to fatal; no outbox in this schema. */
const QUIET = { LOG_LEVEL: 'fatal', OUTBOX_RELAY_ENABLED: 'false' };

const token = (scopes: string[], options: Parameters<typeof signTestToken>[0] = {}) =>
  signTestToken({ scopes, ...options });

async function grpcFailure(call: Promise<unknown>): Promise<ServiceError> {
  try {
    await call;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the gRPC call to fail');
}

describe.each(['fastify', 'express'])('auth on %s (HS256 secret)', (adapter) => {
  const service = useTestService(spec, 'bid', testAuthEnv({ HTTP_ADAPTER: adapter, ...QUIET }));
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(service.httpUrl + path, { headers });
    return {
      status: response.status,
      headers: response.headers,
      body: (await readJson(response)) as JsonBody,
    };
  };

  it('should answer 401 E_UNAUTHENTICATED with a Bearer challenge when no token is sent', async () => {
    const answer = await get('/things/1');
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ statusCode: 401, code: 'E_UNAUTHENTICATED' });
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="things"');
  });

  it('should answer 401 to a bad signature, an expired token, a wrong audience or issuer, and a non-Bearer header', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [bearer(await token(['things:read'], { secret: 'another-secret-of-thirty-two-chars!!' })), /signature/],
      [bearer(await token(['things:read'], { expiresIn: -120 })), /expired/],
      [bearer(await token(['things:read'], { audience: 'somebody-else' })), /audience/],
      [bearer(await token(['things:read'], { issuer: 'evil' })), /issuer/],
      [bearer('not.a.jwt'), /malformed|verified/],
      [{ authorization: 'Basic dXNlcjpwYXNz' }, /not a Bearer token/],
    ];
    for (const [headers, reason] of cases) {
      const answer = await get('/things/1', headers);
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe('E_UNAUTHENTICATED');
      expect(answer.body.message).toMatch(reason);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="things", error="invalid_token"/);
    }
  });

  it('should accept a token that expired within the clock skew (30 s), and name the caller', async () => {
    const answer = await get(
      '/things/7',
      bearer(await token(['things:read'], { expiresIn: -10, sub: 'alice' })),
    );
    expect(answer).toMatchObject({ status: 200, body: { id: '7', caller: 'alice' } });
  });

  it('should answer 403 E_FORBIDDEN when the scope is missing, and 200 with it', async () => {
    const forbidden = await get('/things/1', bearer(await token(['things:write'])));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ statusCode: 403, code: 'E_FORBIDDEN' });
    expect(forbidden.headers.get('www-authenticate')).toContain(
      'error="insufficient_scope", scope="things:read"',
    );
    expect((await get('/things/1', bearer(await token(['things:read'])))).status).toBe(200);
  });

  it('should need :write for other methods and :admin on admin routes', async () => {
    const post = (scopes: string[]) =>
      token(scopes).then((t) =>
        fetch(`${service.httpUrl}/things`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(t) },
          body: JSON.stringify({ name: 'x' }),
        }),
      );
    expect((await post(['things:read'])).status).toBe(403);
    expect((await post(['things:write'])).status).toBe(201);
    const remove = (scopes: string[]) =>
      token(scopes).then((t) =>
        fetch(`${service.httpUrl}/things/1`, { method: 'DELETE', headers: bearer(t) }),
      );
    expect((await remove(['things:write'])).status).toBe(403);
    expect((await remove(['things:admin'])).status).toBe(200);
  });

  it('should honour @Public() and @RequireScopes()', async () => {
    expect((await get('/open')).status).toBe(200);
    expect((await get('/special', bearer(await token(['things:read'])))).status).toBe(403);
    expect((await get('/special', bearer(await token(['reports:export'])))).status).toBe(200);
  });

  it('should keep health and metrics open', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics']) {
      const response = await fetch(service.httpUrl + path);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
  });

  it('should check gRPC metadata the same way: UNAUTHENTICATED, PERMISSION_DENIED, then OK', async () => {
    const none = await grpcFailure(service.grpc.call('getBid', { id: '1' }));
    expect(none.code).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(none.details).toContain('E_UNAUTHENTICATED');
    const expired = await grpcFailure(
      service.grpc.call('getBid', { id: '1' }, bearer(await token(['things:read'], { expiresIn: -120 }))),
    );
    expect(expired.code).toBe(GrpcStatus.UNAUTHENTICATED);

    const read = bearer(await token(['things:read']));
    expect(await service.grpc.call('getBid', { id: '1' }, read)).toMatchObject({ bid: { id: '1' } });
    const denied = await grpcFailure(service.grpc.call('createBid', { callId: 'c' }, read));
    expect(denied.code).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(denied.details).toContain('E_FORBIDDEN');
    const write = bearer(await token(['things:write']));
    expect(await service.grpc.call('createBid', { callId: 'c' }, write)).toMatchObject({
      bid: { callId: 'c' },
    });
  });

  it('should let a peer call with a token minted from its own credentials (ServiceCredentials)', async () => {
    const caller = loadServiceConfig(
      {
        name: 'caller',
        httpPort: 0,
        grpcPort: 0,
        dbSchema: 'public',
        peers: [{ name: 'things', addressVar: 'THINGS_GRPC_ADDRESS', defaultAddress: service.grpcAddress }],
      },
      { ...stackEnv(), ...testAuthEnv() },
    );
    const credentials = new ServiceCredentials(caller);
    const authorization = await credentials.authorization();
    expect(authorization).toMatch(/^Bearer /);
    // Reused until it nears expiry, not minted per call.
    expect(await credentials.authorization()).toBe(authorization);
    const client = createGrpcClient('bid', service.grpcAddress, {
      authorization: () => credentials.authorization(),
    });
    const anonymous = createGrpcClient('bid', service.grpcAddress);
    try {
      expect(await client.call('getBid', { id: '9' })).toMatchObject({ bid: { id: '9' } });
      const refused = await grpcFailure(anonymous.call('getBid', { id: '9' }));
      expect(refused.code).toBe(GrpcStatus.UNAUTHENTICATED);
    } finally {
      client.close();
      anonymous.close();
    }
  });
});

describe('auth with a JWKS file', () => {
  const dir = join(tmpdir(), `jwks-${process.pid}-${Date.now()}`);
  const jwksFile = join(dir, 'jwks.json');
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    await mkdir(dir, { recursive: true });
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    await writeFile(jwksFile, JSON.stringify({ keys: [jwk] }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const service = useTestService(spec, 'bid', {
    AUTH_MODE: 'jwt',
    AUTH_JWKS_FILE: jwksFile,
    AUTH_ISSUER: 'https://idp.test',
    AUTH_AUDIENCE: 'things-api',
    ...QUIET,
  });

  const rs256 = (kid: string, scopes: string) =>
    new SignJWT({ scope: scopes })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer('https://idp.test')
      .setAudience('things-api')
      .setSubject('bob')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);

  it('should accept a token signed by a key of the file, and refuse HS256 and unknown keys', async () => {
    const ok = await fetch(`${service.httpUrl}/things/3`, {
      headers: bearer(await rs256('key-1', 'things:read')),
    });
    expect(ok.status).toBe(200);
    expect(await readJson(ok)).toEqual({ id: '3', caller: 'bob' });

    const hs = await signTestToken({
      scopes: ['things:read'],
      issuer: 'https://idp.test',
      audience: 'things-api',
    });
    const refused = await fetch(`${service.httpUrl}/things/3`, { headers: bearer(hs) });
    expect(refused.status).toBe(401);
    const unknown = await fetch(`${service.httpUrl}/things/3`, {
      headers: bearer(await rs256('key-2', 'things:read')),
    });
    expect(unknown.status).toBe(401);
    expect((await readJson(unknown)).message).toMatch(/unknown key/);
  });
});
