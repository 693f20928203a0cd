import { BID_DATABASE } from '../src';
import { loadServiceConfig, ServiceConfig } from '@platform/config';
import { runMigrations } from '@platform/database';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const adminUrl = process.env['DATABASE_URL'] ?? 'postgres://platform:platform@127.0.0.1:15432/platform';

describe('bid migrations (real Postgres, empty scratch database)', () => {
  const database = `bid_mig_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  let scratch: Client;
  let config: ServiceConfig;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    config = loadServiceConfig(
      { name: 'bid', httpPort: 0, grpcPort: 0, dbSchema: 'bid' },
      { DATABASE_URL: url.toString(), REDIS_URL: 'redis://127.0.0.1:1', KAFKA_BROKERS: '127.0.0.1:1' },
    );
    scratch = new Client({ connectionString: url.toString() });
    await scratch.connect();
  });

  afterAll(async () => {
    await scratch?.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  const tables = async () =>
    (
      await scratch.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'bid' ORDER BY table_name`,
      )
    ).rows.map((row) => row.table_name);

  it('should create the schema and tables on an empty database', async () => {
    const applied = await runMigrations(config, BID_DATABASE, 'up');
    expect(applied).toEqual([
      'CreateProcessedEvents1764000000000',
      'CreateBids1764000000001',
      'CreateOutboxEvents1765000000000',
      'IndexActiveBidExpiry1766000000000',
      'CreateBidStatsHourly1766000000001',
      'QuietOutboxCommits1767000000000',
      'TrackChangedBidHours1767100000000',
    ]);
    expect(await tables()).toEqual([
      'bid_stats_changed_hours',
      'bid_stats_hourly',
      'bid_stats_hours',
      'bids',
      'migrations',
      'outbox_events',
      'processed_events',
    ]);
    const checks = await scratch.query(
      `SELECT conname FROM pg_constraint WHERE conrelid = 'bid.bids'::regclass AND contype = 'c'`,
    );
    expect(checks.rowCount).toBeGreaterThanOrEqual(2);
  });

  it('should apply nothing the second time', async () => {
    expect(await runMigrations(config, BID_DATABASE, 'up')).toEqual([]);
  });

  it('should serialise concurrent runs instead of colliding', async () => {
    await runMigrations(config, BID_DATABASE, 'down-all');
    const [a, b] = await Promise.all([
      runMigrations(config, BID_DATABASE, 'up'),
      runMigrations(config, BID_DATABASE, 'up'),
    ]);
    expect([...a, ...b].sort()).toEqual([
      'CreateBidStatsHourly1766000000001',
      'CreateBids1764000000001',
      'CreateOutboxEvents1765000000000',
      'CreateProcessedEvents1764000000000',
      'IndexActiveBidExpiry1766000000000',
      'QuietOutboxCommits1767000000000',
      'TrackChangedBidHours1767100000000',
    ]);
  });

  it('should revert one step, then everything, leaving no tables behind', async () => {
    expect(await runMigrations(config, BID_DATABASE, 'down')).toEqual(['TrackChangedBidHours1767100000000']);
    expect(await tables()).not.toContain('bid_stats_changed_hours');
    expect(await runMigrations(config, BID_DATABASE, 'down')).toEqual(['QuietOutboxCommits1767000000000']);
    expect(await runMigrations(config, BID_DATABASE, 'down')).toEqual(['CreateBidStatsHourly1766000000001']);
    expect(await tables()).toEqual(['bids', 'migrations', 'outbox_events', 'processed_events']);
    expect(await runMigrations(config, BID_DATABASE, 'down')).toEqual(['IndexActiveBidExpiry1766000000000']);
    expect(await runMigrations(config, BID_DATABASE, 'down')).toEqual(['CreateOutboxEvents1765000000000']);
    expect(await tables()).toEqual(['bids', 'migrations', 'processed_events']);
    expect(await runMigrations(config, BID_DATABASE, 'down-all')).toEqual([
      'CreateBids1764000000001',
      'CreateProcessedEvents1764000000000',
    ]);
    expect(await tables()).toEqual(['migrations']);
  });
});
