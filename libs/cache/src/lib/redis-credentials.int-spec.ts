import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { createCache, type TieredCache } from './cache/create-cache';
import {
  connectRedis,
  createRedisConnection,
  type RedisConnection,
  type RedisConnectionOptions,
} from './redis-connection';
import { generateTestCertificates, type TestCertificates } from './testing/test-certificates';
import { startRedisServer, type RedisServerHandle } from './testing/redis-server';
import { startRedisCluster, type RedisClusterHandle } from './testing/redis-cluster';

const USER = 'platform-app';
const PASSWORD = 'acl-s3cret-for-tests';
/** The `default` user off (no anonymous access), one ACL user with every key, channel and command. */
const ACL_ARGS = ['--user', 'default', 'off', '--user', USER, 'on', `>${PASSWORD}`, '~*', '&*', '+@all'];

const tlsOf = (certs: TestCertificates): ConnectionOptions => ({
  ca: readFileSync(certs.caFile),
  cert: readFileSync(certs.clientCertFile),
  key: readFileSync(certs.clientKeyFile),
});

/**
 * Redis with an ACL user and TLS only (client certificates required), standalone and Cluster: the cache and
 * its invalidation bus work through them, and each wrong setting fails at once with an error that says why.
 */
describe('Redis with an ACL user and TLS', () => {
  let certs: TestCertificates;
  let otherCa: TestCertificates;
  let server: RedisServerHandle;
  let cluster: RedisClusterHandle;
  const opened: RedisConnection[] = [];
  const caches: TieredCache[] = [];

  beforeAll(async () => {
    [certs, otherCa] = await Promise.all([generateTestCertificates(), generateTestCertificates()]);
    server = await startRedisServer({ tls: certs, args: ACL_ARGS });
    cluster = await startRedisCluster({
      masters: 3,
      replicasPerMaster: 1,
      tls: certs,
      // Replicas log in to their master as the ACL user (replication runs over TLS too).
      serverArgs: [...ACL_ARGS, '--masteruser', USER, '--masterauth', PASSWORD],
      cliArgs: ['--user', USER, '--pass', PASSWORD, '--no-auth-warning'],
    });
  }, 120_000);

  afterEach(async () => {
    await Promise.all(caches.splice(0).map((cache) => cache.disconnect()));
    for (const client of opened.splice(0)) client.disconnect();
  });

  afterAll(async () => {
    await Promise.all([server?.stop(), cluster?.stop()]);
    await Promise.all([certs?.remove(), otherCa?.remove()]);
  });

  const targets = () =>
    ({
      // TLS comes from the `tls` option alone (as the service's config gives it), not from a rediss:// URL.
      standalone: { mode: 'standalone', url: server.url.replace('rediss://', 'redis://') },
      cluster: { mode: 'cluster', nodes: [...cluster.addresses] },
    }) as const;

  const open = (target: 'standalone' | 'cluster', security: Partial<RedisConnectionOptions>) => {
    const client = createRedisConnection({ ...targets()[target], ...security } as RedisConnectionOptions);
    opened.push(client);
    return client;
  };

  describe.each(['standalone', 'cluster'] as const)('%s', (target) => {
    const good = () => ({ auth: { username: USER, password: PASSWORD }, tls: tlsOf(certs) });

    it('should serve the cache and deliver invalidations between two caches', async () => {
      const prefix = `creds-${target}-${Date.now()}:`;
      const make = async (instanceId: string) => {
        const redis = await connectRedis(open(target, good()));
        const cache = createCache({ prefix, l2: { redis }, instanceId, metrics: false });
        caches.push(cache);
        await cache.connect();
        return cache;
      };
      const [a, b] = [await make('a'), await make('b')];
      const bids = { a: a.namespace<number>('bid'), b: b.namespace<number>('bid') };

      const firstWrite = new Promise((resolve) => b.on('bus:received', resolve));
      await bids.a.set('1', 100);
      await firstWrite;
      // b reads a's write from L2 (through TLS, as the ACL user) and keeps it in its L1.
      expect(await bids.b.get('1')).toBe(100);

      const change = new Promise((resolve) => b.on('bus:received', resolve));
      await bids.a.set('1', 200);
      await change;
      // The bus (a subscriber connection over TLS with the same user) evicted b's L1 copy.
      expect(await bids.b.get('1')).toBe(200);
    });

    it('should refuse a wrong password with the server’s reason', async () => {
      const client = open(target, { auth: { username: USER, password: 'wrong' }, tls: tlsOf(certs) });
      await expect(connectRedis(client)).rejects.toThrow(/connection failed: WRONGPASS/);
    });

    it('should refuse a client without credentials', async () => {
      await expect(connectRedis(open(target, { tls: tlsOf(certs) }))).rejects.toThrow(/NOAUTH|NOPERM/);
    });

    it('should fail plain text against the TLS port, saying TLS may be off', async () => {
      const client = open(target, { auth: { username: USER, password: PASSWORD } });
      await expect(connectRedis(client)).rejects.toThrow(
        /ECONNRESET \(a TLS-only server resets plain-text connections: is TLS on\?\)/,
      );
    });

    it('should refuse a server whose certificate is not from the trusted CA', async () => {
      const client = open(target, {
        auth: { username: USER, password: PASSWORD },
        tls: { ...tlsOf(certs), ca: readFileSync(otherCa.caFile) },
      });
      await expect(connectRedis(client)).rejects.toThrow(/self-signed certificate in certificate chain/);
    });
  });
});
