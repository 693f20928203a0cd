import { loadServiceConfig, ServiceConfig } from '@platform/config';
import { createEnvelope } from '@platform/contracts';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  CreateOutboxEvents1765000000000,
  CreateProcessedEvents1764000000000,
  dataSourceOptions,
  DatabaseSpec,
  InboxService,
  OutboxService,
  prepared,
  preparedName,
  PreparingClient,
  QueryCounter,
  runMigrations,
} from '../src';

const url = process.env['DATABASE_URL'] ?? 'postgres://platform:platform@127.0.0.1:15432/platform';
const spec: DatabaseSpec = {
  entities: [],
  migrations: [CreateProcessedEvents1764000000000, CreateOutboxEvents1765000000000],
};

/** The named statements the session of the pool's one connection holds (Postgres' own view). */
async function preparedOnConnection(dataSource: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await dataSource.query('SELECT name FROM pg_prepared_statements');
  return rows.map((row) => row.name);
}

const envelope = (entityId: string) =>
  createEnvelope({
    entity: 'bid' as const,
    entityId,
    op: 'updated',
    version: 1,
    before: null,
    after: { id: entityId },
  });

describe('prepared statements (real Postgres)', () => {
  const schema = `prep_${randomBytes(4).toString('hex')}`;
  const configWith = (preparedStatements: 'true' | 'false', poolSize = '1'): ServiceConfig =>
    loadServiceConfig(
      { name: 'prepared-test', httpPort: 0, grpcPort: 0, dbSchema: schema },
      {
        DATABASE_URL: url,
        REDIS_URL: 'redis://127.0.0.1:1',
        KAFKA_BROKERS: '127.0.0.1:1',
        DB_PREPARED_STATEMENTS: preparedStatements,
        // One connection: every statement of a test runs in the session the checks look at.
        DB_POOL_SIZE: poolSize,
      },
    );
  const opened: DataSource[] = [];
  const open = async (preparedStatements: 'true' | 'false', queries?: QueryCounter) => {
    const config = configWith(preparedStatements);
    const dataSource = await new DataSource(dataSourceOptions(config, spec, { queries })).initialize();
    opened.push(dataSource);
    return dataSource;
  };

  beforeAll(async () => {
    // The migrations hold a lock on one connection while they run on another.
    await runMigrations(configWith('true', '4'), spec, 'up');
  });

  afterAll(async () => {
    await opened[0]?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await Promise.all(opened.map((dataSource) => dataSource.destroy()));
  });

  it('should name the outbox insert and the inbox statements on the pool, still counting each statement', async () => {
    const queries = new QueryCounter();
    const dataSource = await open('true', queries);
    const outbox = new OutboxService();
    const inbox = new InboxService(dataSource);
    const events = [envelope('b1'), envelope('b2')];

    const before = queries.total;
    await dataSource.transaction((manager) => outbox.addMany(manager, 'bid.bid.changed.v1', events));
    const consumed = events.map((event) => ({ ...event, topic: 'bid.bid.changed.v1' }));
    expect(await inbox.processedAmong(events.map((event) => event.eventId))).toEqual(new Set());
    expect(await inbox.recordMany(consumed)).toEqual(new Set(events.map((event) => event.eventId)));
    expect(await inbox.has(events[0].eventId)).toBe(true);
    // BEGIN, the insert, COMMIT, and the three inbox statements: TypeORM's query path still counts them.
    expect(queries.total - before).toBe(6);

    const names = await preparedOnConnection(dataSource);
    expect(names.filter((name) => name.startsWith('platform_')).length).toBe(4);
    const rows: { payload: { entityId: string } }[] = await dataSource.query(
      `SELECT payload FROM "${schema}".outbox_events ORDER BY id`,
    );
    expect(rows.map((row) => row.payload.entityId)).toEqual(['b1', 'b2']);
  });

  it('should send every statement unnamed with DB_PREPARED_STATEMENTS=false', async () => {
    const dataSource = await open('false');
    const inbox = new InboxService(dataSource);
    await dataSource.transaction((manager) =>
      new OutboxService().addMany(manager, 'bid.bid.changed.v1', [envelope('b3')]),
    );
    expect(await inbox.has(randomUUID())).toBe(false);
    expect(await preparedOnConnection(dataSource)).toEqual([]);
  });

  it('should send a registered text named and any other text as pg does', async () => {
    const client = new PreparingClient({ connectionString: url });
    await client.connect();
    try {
      const text = prepared(`SELECT $1::int + 1 AS n /* ${randomUUID()} */`);
      expect((await client.query<{ n: number }>(text, [41])).rows).toEqual([{ n: 42 }]);
      expect((await client.query<{ n: number }>(text, [1])).rows).toEqual([{ n: 2 }]);
      expect((await client.query<{ n: number }>('SELECT $1::int AS n', [7])).rows).toEqual([{ n: 7 }]);
      const { rows } = await client.query<{ name: string; statement: string }>(
        'SELECT name, statement FROM pg_prepared_statements',
      );
      expect(rows).toEqual([{ name: preparedName(text), statement: text }]);
    } finally {
      await client.end();
    }
  });

  it('should send a text unnamed on that connection after its columns changed under it', async () => {
    const table = `"${schema}".shape_${randomBytes(3).toString('hex')}`;
    const client = new PreparingClient({ connectionString: url });
    await client.connect();
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE TABLE ${table} (id int, v int)`);
      await admin.query(`INSERT INTO ${table} VALUES (1, 10)`);
      const text = prepared(`SELECT * FROM ${table}`);
      expect((await client.query(text)).rows).toEqual([{ id: 1, v: 10 }]);
      // A migration adds a column while the service runs: the prepared plan's result no longer fits.
      await admin.query(`ALTER TABLE ${table} ADD COLUMN w int DEFAULT 5`);
      await expect(client.query(text)).rejects.toMatchObject({ code: '0A000' });
      expect((await client.query(text)).rows).toEqual([{ id: 1, v: 10, w: 5 }]);
    } finally {
      await admin.end();
      await client.end();
    }
  });
});
