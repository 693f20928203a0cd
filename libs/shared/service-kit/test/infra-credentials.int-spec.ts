import { Controller, Get, Injectable, Module, Param, UseInterceptors } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  generateTestCertificates,
  startRedisCluster,
  startRedisServer,
  type RedisClusterHandle,
  type RedisServerHandle,
  type TestCertificates,
} from '@platform/cache/testing';
import { CacheModule, CacheRoute, HttpCacheInterceptor } from '@platform/cache/nest';
import { grpcPackage, protoPath } from '@platform/proto';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type ClientConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { CreateOutboxEvents1765000000000 } from '@platform/database';
import { OutboxRelayService, RunningService, ServiceSpec, startServiceApp } from '../src';
import {
  eventually,
  readJson,
  startPostgresServer,
  startTestService,
  testServiceConfig,
  type PostgresServerHandle,
} from '../src/testing';

const SCHEMA = 'creds';
const PG_PASSWORD = `pg-${randomUUID()}`;
const REDIS_USER = 'platform-app';
const REDIS_PASSWORD = `redis-${randomUUID()}`;
const ACL_ARGS = [
  '--user',
  'default',
  'off',
  '--user',
  REDIS_USER,
  'on',
  `>${REDIS_PASSWORD}`,
  '~*',
  '&*',
  '+@all',
];

@Injectable()
class ItemsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async find(id: string): Promise<{ id: string; value: number }> {
    const rows: { value: number }[] = await this.db.query(
      `SELECT value FROM "${SCHEMA}".items WHERE id = $1`,
      [id],
    );
    return { id, value: rows[0]?.value ?? -1 };
  }
}

@Controller('items')
@UseInterceptors(HttpCacheInterceptor)
class ItemsController {
  constructor(private readonly items: ItemsService) {}

  @Get(':id')
  @CacheRoute({ key: 'item:{id}', ttl: { l1: '1m', l2: '1m', l3: '1m' } })
  route(@Param('id') id: string) {
    return this.items.find(id);
  }
}

@Module({
  imports: [CacheModule.forFeature({ namespace: 'item', ttl: { l1: '1m', l2: '1m' } })],
  controllers: [ItemsController],
  providers: [ItemsService],
})
class ItemsModule {}

const spec: ServiceSpec = {
  defaults: { name: 'infra-credentials', httpPort: 0, grpcPort: 0, dbSchema: SCHEMA },
  features: [ItemsModule],
  // The outbox table, so the outbox relay (its own pg connection) has work to lead.
  database: { entities: [], migrations: [CreateOutboxEvents1765000000000] },
  grpc: { package: grpcPackage.bid, protoPath: protoPath('bid') },
  kafka: { consumes: [], produces: [] },
};

/**
 * A real service booted against Postgres with TLS and a password (read from a mounted file), and a standalone
 * Redis and a Redis Cluster that speak only TLS and know only an ACL user: it serves and caches a REST read;
 * a plain-text or wrongly credentialed connection is refused, and the service does not boot, saying which
 * dependency refused it.
 */
describe('infrastructure credentials (real service, TLS Postgres, TLS + ACL Redis and Redis Cluster)', () => {
  let certs: TestCertificates;
  let pg: PostgresServerHandle;
  let redis: RedisServerHandle;
  let cluster: RedisClusterHandle;
  let secrets: string;
  const running: RunningService[] = [];

  const secretFile = (name: string, value: string) => {
    const path = join(secrets, name);
    writeFileSync(path, `${value}\n`, { mode: 0o600 });
    return path;
  };
  /** Everything a service needs to reach the secured servers, secrets from files. */
  const env = (): Record<string, string> => ({
    DATABASE_URL: pg.url,
    DATABASE_PASSWORD_FILE: secretFile('db-password', PG_PASSWORD),
    DATABASE_SSL_MODE: 'verify-full',
    DATABASE_SSL_CA_FILE: certs.caFile,
    REDIS_URL: redis.url,
    REDIS_CLUSTER_NODES: cluster.addresses.join(','),
    CACHE_L2: 'cluster',
    REDIS_USERNAME: REDIS_USER,
    REDIS_PASSWORD_FILE: secretFile('redis-password', REDIS_PASSWORD),
    REDIS_TLS_CA_FILE: certs.caFile,
    REDIS_TLS_CERT_FILE: certs.clientCertFile,
    REDIS_TLS_KEY_FILE: certs.clientKeyFile,
    OUTBOX_RELAY_ENABLED: 'false',
    KAFKA_ENSURE_TOPICS: 'false',
  });
  const sql = async (text: string, config: ClientConfig = {}) => {
    const url = new URL(pg.url);
    url.password = PG_PASSWORD; // pg lets the URL's (absent) password win over a `password` option
    const client = new Client({
      connectionString: url.toString(),
      ssl: { ca: readFileSync(certs.caFile) },
      ...config,
    });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  const boot = async (overrides: Record<string, string> = {}) => {
    const service = await startTestService(spec, { ...env(), ...overrides });
    running.push(service);
    return service;
  };
  /** Boot without the test's migration step, as `main.ts serve` does, so the service's own connections fail. */
  const bootFailure = async (overrides: Record<string, string>): Promise<Error> => {
    const service = await startServiceApp(
      spec,
      await testServiceConfig(spec, { ...env(), ...overrides }),
    ).then(
      (started) => {
        running.push(started);
        return undefined;
      },
      (error: Error) => error,
    );
    if (service === undefined) throw new Error('expected the service not to boot');
    return service;
  };

  beforeAll(async () => {
    certs = await generateTestCertificates();
    secrets = mkdtempSync(join(tmpdir(), 'creds-secrets-'));
    [pg, redis, cluster] = await Promise.all([
      startPostgresServer({ tls: certs, password: PG_PASSWORD }),
      startRedisServer({ tls: certs, args: ACL_ARGS }),
      startRedisCluster({
        tls: certs,
        serverArgs: [...ACL_ARGS, '--masteruser', REDIS_USER, '--masterauth', REDIS_PASSWORD],
        cliArgs: ['--user', REDIS_USER, '--pass', REDIS_PASSWORD, '--no-auth-warning'],
      }),
    ]);
    await sql(
      `CREATE SCHEMA ${SCHEMA}; CREATE TABLE ${SCHEMA}.items (id text PRIMARY KEY, value int NOT NULL);` +
        `INSERT INTO ${SCHEMA}.items VALUES ('1', 1)`,
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(running.map((service) => service.app.close()));
    await Promise.all([pg?.destroy(), redis?.stop(), cluster?.stop()]);
    await certs?.remove();
    rmSync(secrets, { recursive: true, force: true });
  });

  it('should serve a REST read from Postgres and cache it in the Redis Cluster for another instance', async () => {
    const prefix = `creds-${randomUUID().slice(0, 8)}:`;
    const [a, b] = [
      await boot({ CACHE_PREFIX: prefix, OUTBOX_RELAY_ENABLED: 'true' }),
      await boot({ CACHE_PREFIX: prefix }),
    ];

    const first = await fetch(`${a.httpUrl}/items/1`);
    expect(first.status).toBe(200);
    expect(await readJson(first)).toEqual({ id: '1', value: 1 });
    expect(first.headers.get('x-cache')).toBe('MISS');

    await sql(`UPDATE ${SCHEMA}.items SET value = 2 WHERE id = '1'`); // behind the services' backs
    // b never read it: its answer comes from L2, the Redis Cluster reached over TLS as the ACL user.
    const second = await fetch(`${b.httpUrl}/items/1`);
    expect(await readJson(second)).toEqual({ id: '1', value: 1 });
    expect(second.headers.get('x-cache-layer')).toBe('l2');

    // The outbox relay's own Postgres session (TLS, password) holds the leader lock.
    await eventually(() => a.app.get(OutboxRelayService).relay.isLeader, 10_000, 50);

    const health = await readJson(await fetch(`${b.httpUrl}/health`));
    expect(health).toMatchObject({
      status: 'ok',
      details: { postgres: { status: 'up' }, redis: { status: 'up' }, redisCluster: { status: 'up' } },
    });
  });

  it('should have Postgres refuse a plain-text connection', async () => {
    await expect(sql('SELECT 1', { ssl: false })).rejects.toThrow(/no pg_hba\.conf entry .* no encryption/);
  });

  it('should not boot over plain text to Postgres, naming Postgres and not the password', async () => {
    const error = await bootFailure({ DATABASE_SSL_MODE: 'disable', DATABASE_SSL_CA_FILE: '' });
    expect(error.message).toMatch(
      /^Postgres \(postgres:\/\/platform:\*\*\*@127\.0\.0\.1:\d+\/platform\) rejected/,
    );
    expect(error.message).toContain('no encryption');
    expect(error.message).not.toContain(PG_PASSWORD);
  });

  it('should not boot with a wrong Postgres password, naming Postgres', async () => {
    const error = await bootFailure({ DATABASE_PASSWORD_FILE: secretFile('wrong-db', 'wrong-password') });
    expect(error.message).toMatch(/^Postgres \(.*\) rejected the connection: password authentication failed/);
    expect(error.message).not.toContain('wrong-password');
  });

  it('should not boot with a wrong Redis password, naming Redis', async () => {
    const error = await bootFailure({ REDIS_PASSWORD_FILE: secretFile('wrong-redis', 'wrong-password') });
    expect(error.message).toMatch(/^Redis \((standalone|cluster), .*\) rejected the connection: .*WRONGPASS/);
    expect(error.message).not.toContain('wrong-password');
  });
});
