import { loadServiceConfig, ServiceConfig } from '@platform/config';
import {
  CreateProcessedEvents1764000000000,
  dataSourceOptions,
  DatabaseSpec,
  runMigrations,
} from '@platform/database';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, QueryRunner } from 'typeorm';
import { ConsumerInbox } from '../src';
import { stackEnv } from '../src/testing';

const spec: DatabaseSpec = { entities: [], migrations: [CreateProcessedEvents1764000000000] };

describe('ConsumerInbox (real Postgres)', () => {
  const schema = `inbox_${randomBytes(4).toString('hex')}`;
  let config: ServiceConfig;
  let service: DataSource;
  let inbox: ConsumerInbox;
  let held: QueryRunner | undefined;

  beforeAll(async () => {
    config = loadServiceConfig(
      { name: 'inbox-test', httpPort: 0, grpcPort: 0, dbSchema: schema },
      stackEnv(),
    );
    await runMigrations(config, spec, 'up');
    // The service's own pool has one connection, so one open transaction exhausts it.
    const onePool = { ...config, database: { ...config.database, poolSize: 1 } };
    service = await new DataSource(dataSourceOptions(onePool, spec)).initialize();
  }, 30000);

  beforeEach(() => {
    inbox = new ConsumerInbox(config);
  });

  afterEach(async () => {
    await held?.rollbackTransaction().catch(() => undefined);
    await held?.release();
    held = undefined;
    await inbox?.onApplicationShutdown();
  });

  afterAll(async () => {
    await service?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await service?.destroy();
  });

  it('should dedupe and record on a connection of its own while the service pool is exhausted', async () => {
    held = service.createQueryRunner();
    await held.connect();
    await held.startTransaction();
    // The only connection of the service's pool is taken: a query there would wait (and time out).
    await expect(service.query('SELECT 1')).rejects.toThrow('timeout exceeded when trying to connect');
    const [a, b] = [randomUUID(), randomUUID()];
    const recorded = await inbox.recordMany([
      { eventId: a, topic: 't', entityId: '1' },
      { eventId: b, topic: 't', entityId: '2' },
    ]);
    expect([...recorded].sort()).toEqual([a, b].sort());
    expect(await inbox.processedAmong([a, randomUUID()])).toEqual(new Set([a]));
    expect(await inbox.recordOnce({ eventId: b, topic: 't', entityId: '2' })).toBe(false);
    expect(await inbox.has(b)).toBe(true);
    const [{ name }] = await held.query(
      `SELECT application_name AS name FROM pg_stat_activity
        WHERE application_name LIKE 'inbox-test-consumer%' LIMIT 1`,
    );
    expect(name).toBe('inbox-test-consumer');
  });

  it('should refuse calls once shut down, and not open a pool again', async () => {
    await inbox.processedAmong([randomUUID()]);
    await inbox.onApplicationShutdown();
    await expect(inbox.processedAmong([randomUUID()])).rejects.toThrow('ConsumerInbox: closed');
  });
});
