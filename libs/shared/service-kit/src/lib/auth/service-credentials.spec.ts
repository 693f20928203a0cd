import { loadServiceConfig, type ServiceConfig } from '@platform/config';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceCredentials } from './service-credentials';

const SECRET = 'unit-test-secret-of-at-least-32-chars!';
const configWith = (env: Record<string, string>): ServiceConfig =>
  loadServiceConfig(
    {
      name: 'bid',
      httpPort: 0,
      grpcPort: 0,
      dbSchema: 'bid',
      peers: [{ name: 'routing', addressVar: 'ROUTING_GRPC_ADDRESS', defaultAddress: '127.0.0.1:1' }],
    },
    {
      DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db',
      REDIS_URL: 'redis://127.0.0.1:1',
      KAFKA_BROKERS: '127.0.0.1:1',
      ...env,
    },
  );

describe(ServiceCredentials, () => {
  describe('authorization()', () => {
    it('should send nothing when auth is off', async () => {
      expect(await new ServiceCredentials(configWith({})).authorization()).toBeUndefined();
    });

    it("should mint a token for the service's own scopes that the peers' settings verify", async () => {
      const config = configWith({
        AUTH_MODE: 'jwt',
        AUTH_JWT_SECRET: SECRET,
        AUTH_ISSUER: 'iss',
        AUTH_CLIENT_TTL_S: '120',
      });
      const value = (await new ServiceCredentials(config).authorization()) as string;
      const { payload } = await jwtVerify(value.replace(/^Bearer /, ''), new TextEncoder().encode(SECRET), {
        issuer: 'iss',
        audience: 'platform',
      });
      expect(payload).toMatchObject({ sub: 'service:bid', scope: 'routing:read' });
      expect((payload.exp as number) - (payload.iat as number)).toBe(120);
    });

    it('should mint a new token once the current one is near its expiry', async () => {
      const config = configWith({
        AUTH_MODE: 'jwt',
        AUTH_JWT_SECRET: SECRET,
        AUTH_ISSUER: 'iss',
        AUTH_CLIENT_TTL_S: '60',
      });
      const credentials = new ServiceCredentials(config);
      const first = await credentials.authorization();
      const now = Date.now();
      // 60 s tokens are replaced a fifth of their life (12 s) before they expire.
      jest.spyOn(Date, 'now').mockReturnValue(now + 49_000);
      const second = await credentials.authorization();
      expect(second).not.toBe(first);
      expect(decodeJwt((second as string).slice(7)).exp).toBeGreaterThan(
        decodeJwt((first as string).slice(7)).exp as number,
      );
    });

    it('should read the token file, and read it again once the token there nears expiry', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'token-'));
      const file = join(dir, 'token');
      const sign = (exp: number) =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime(exp)
          .sign(new TextEncoder().encode(SECRET));
      try {
        const now = Math.floor(Date.now() / 1000);
        await writeFile(file, `${await sign(now + 30)}\n`);
        const credentials = new ServiceCredentials(
          configWith({
            AUTH_MODE: 'jwt',
            AUTH_JWKS_URL: 'https://idp/jwks',
            AUTH_ISSUER: 'iss',
            AUTH_CLIENT_TOKEN_FILE: file,
          }),
        );
        const first = await credentials.authorization();
        expect(first).toBe(`Bearer ${(await import('node:fs')).readFileSync(file, 'utf8').trim()}`);
        const rotated = await sign(now + 3600);
        await writeFile(file, rotated);
        jest.spyOn(Date, 'now').mockReturnValue(now * 1000 + 25_000);
        expect(await credentials.authorization()).toBe(`Bearer ${rotated}`);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
