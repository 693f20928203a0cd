import { loadServiceConfig, ServiceConfig } from '@platform/config';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  CreateProcessedEvents1764000000000,
  dataSourceOptions,
  DatabaseSpec,
  InboxService,
  runMigrations,
} from '../src';

const url = process.env['DATABASE_URL'] ?? 'postgres://platform:platform@127.0.0.1:15432/platform';
const spec: DatabaseSpec = { entities: [], migrations: [CreateProcessedEvents1764000000000] };

describe('InboxService (real Postgres)', () => {
  const schema = `inbox_${randomBytes(4).toString('hex')}`;
  let config: ServiceConfig;
  let dataSources: DataSource[];

  beforeAll(async () => {
    config = loadServiceConfig(
      { name: 'inbox-test', httpPort: 0, grpcPort: 0, dbSchema: schema },
      { DATABASE_URL: url, REDIS_URL: 'redis://127.0.0.1:1', KAFKA_BROKERS: '127.0.0.1:1' },
    );
    await runMigrations(config, spec, 'up');
    // Two pools, as two service instances would have.
    dataSources = await Promise.all(
      [0, 1].map(() => new DataSource(dataSourceOptions(config, spec)).initialize()),
    );
  });

  afterAll(async () => {
    await dataSources[0]?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await Promise.all((dataSources ?? []).map((ds) => ds.destroy()));
  });

  it('should record an event once and recognise its redelivery', async () => {
    const inbox = new InboxService(dataSources[0]);
    const event = { eventId: randomUUID(), topic: 't.v1', entityId: 'e1' };
    expect(await inbox.has(event.eventId)).toBe(false);
    expect(await inbox.recordOnce(event)).toBe(true);
    expect(await inbox.recordOnce(event)).toBe(false);
    expect(await inbox.has(event.eventId)).toBe(true);
  });

  it('should let exactly one of many racing instances claim an event', async () => {
    const inboxes = dataSources.map((ds) => new InboxService(ds));
    const event = { eventId: randomUUID(), topic: 't.v1', entityId: 'e2' };
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => inboxes[i % 2].recordOnce(event)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('should write into the configured schema only', async () => {
    const rows = await dataSources[0].query(
      `SELECT table_schema FROM information_schema.tables WHERE table_name = 'processed_events' AND table_schema = $1`,
      [schema],
    );
    expect(rows).toEqual([{ table_schema: schema }]);
  });
});
