import { loadServiceConfig, ServiceConfig } from '@platform/config';
import { runMigrations } from '@platform/database';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ANALYTICS_DATABASE } from '../src';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://platform:platform@127.0.0.1:15432/platform';

const withClient = async <T>(url: string, work: (client: Client) => Promise<T>): Promise<T> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

describe('analytics migrations (scratch database on the real Postgres)', () => {
  const database = `analytics_mig_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const url = (() => {
    const parsed = new URL(ADMIN_URL);
    parsed.pathname = `/${database}`;
    return parsed.toString();
  })();
  let config: ServiceConfig;

  const tables = () =>
    withClient(url, async (client) => {
      const { rows } = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'analytics' ORDER BY table_name`,
      );
      return rows.map((row) => row.table_name);
    });

  beforeAll(async () => {
    await withClient(ADMIN_URL, (client) => client.query(`CREATE DATABASE ${database}`));
    config = loadServiceConfig(
      { name: 'analytics', httpPort: 0, grpcPort: 0, dbSchema: 'analytics' },
      {
        DATABASE_URL: url,
        REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:16379',
        KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092',
      },
    );
  });

  afterAll(async () => {
    await withClient(ADMIN_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  });

  it('should create the tables, indexes and constraints in schema analytics', async () => {
    const applied = await runMigrations(config, ANALYTICS_DATABASE, 'up');
    expect(applied).toEqual([
      'CreateProcessedEvents1764000000000',
      'CreateCallRecords1764000000301',
      'CreateOutboxEvents1765000000000',
      'CreateCallMetricViews1766000000301',
      'AllowCallsSoldThroughBids1766100000301',
      'DropBuyerRevenueDaily1766200000301',
    ]);
    expect(await tables()).toEqual([
      'call_hour_counters',
      'call_records',
      'migrations',
      'outbox_events',
      'processed_events',
      'view_refreshes',
    ]);
    await withClient(url, async (client) => {
      const { rows } = await client.query<{ matviewname: string }>(
        `SELECT matviewname FROM pg_matviews WHERE schemaname = 'analytics' ORDER BY 1`,
      );
      expect(rows.map((row) => row.matviewname)).toEqual(['call_kpis_daily', 'call_metrics_hourly']);
      // CONCURRENTLY needs a unique index on each view.
      for (const view of rows.map((row) => row.matviewname)) {
        await client.query(`REFRESH MATERIALIZED VIEW CONCURRENTLY analytics.${view}`);
      }
    });

    await withClient(url, async (client) => {
      const { rows } = await client.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'analytics' AND tablename = 'call_records'`,
      );
      const byName = Object.fromEntries(rows.map((row) => [row.indexname, row.indexdef]));
      expect(byName['call_records_call_id_key']).toMatch(/UNIQUE INDEX .*\(call_id\)/);
      expect(byName['call_records_buyer_started_idx']).toMatch(/\(buyer_id, started_at\)/);
      expect(byName['call_records_started_idx']).toMatch(/\(started_at\)/);

      const insert = (callId: string, durationSeconds: number, outcome: string) =>
        client.query(
          `INSERT INTO analytics.call_records (call_id, buyer_id, state, started_at, duration_seconds, revenue_cents, outcome)
           VALUES ($1, 'buyer-1', 'CA', now(), $2, 100, $3) RETURNING id, created_at`,
          [callId, durationSeconds, outcome],
        );
      const { rows: inserted } = await insert('call-1', 60, 'connected');
      expect(inserted[0].id).toMatch(/^[0-9a-f-]{36}$/);
      expect(inserted[0].created_at).toBeInstanceOf(Date);
      await expect(insert('call-1', 60, 'connected')).rejects.toMatchObject({
        code: '23505',
        constraint: 'call_records_call_id_key',
      });
      await expect(insert('call-2', -1, 'connected')).rejects.toMatchObject({ code: '23514' });
      await expect(insert('call-3', 1, 'hung-up')).rejects.toMatchObject({ code: '23514' });

      // A call known only from the bid that sold it: state, talk time and outcome unknown.
      await client.query(
        `INSERT INTO analytics.call_records (call_id, buyer_id, started_at, revenue_cents) VALUES ('call-4', 'buyer-1', now(), 100)`,
      );
      // `down` restores NOT NULL, which such a record would block.
      await client.query(`DELETE FROM analytics.call_records WHERE call_id = 'call-4'`);
    });
  });

  it('should apply nothing when run again', async () => {
    expect(await runMigrations(config, ANALYTICS_DATABASE, 'up')).toEqual([]);
  });

  it('should recreate buyer_revenue_daily as it was (populated, with its indexes) when its drop is reverted', async () => {
    const matviews = () =>
      withClient(url, async (client) => {
        const { rows } = await client.query<{ matviewname: string }>(
          `SELECT matviewname FROM pg_matviews WHERE schemaname = 'analytics' ORDER BY 1`,
        );
        return rows.map((row) => row.matviewname);
      });
    expect(await runMigrations(config, ANALYTICS_DATABASE, 'down')).toEqual([
      'DropBuyerRevenueDaily1766200000301',
    ]);
    expect(await matviews()).toEqual(['buyer_revenue_daily', 'call_kpis_daily', 'call_metrics_hourly']);
    await withClient(url, async (client) => {
      const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes
          WHERE schemaname = 'analytics' AND tablename = 'buyer_revenue_daily' ORDER BY 1`,
      );
      expect(indexes.map((row) => row.indexname)).toEqual([
        'buyer_revenue_daily_day_idx',
        'buyer_revenue_daily_key',
      ]);
      expect(indexes[0].indexdef).toMatch(/\(day\)/);
      expect(indexes[1].indexdef).toMatch(/UNIQUE INDEX .*\(buyer_id, day\)/);
      // Populated from the records (call-1 above), and refreshable concurrently as before.
      const { rows } = await client.query(
        `SELECT buyer_id, calls, connected_calls, revenue_cents FROM analytics.buyer_revenue_daily`,
      );
      expect(rows).toEqual([{ buyer_id: 'buyer-1', calls: 1, connected_calls: 1, revenue_cents: '100' }]);
      await client.query(`REFRESH MATERIALIZED VIEW CONCURRENTLY analytics.buyer_revenue_daily`);
    });
    expect(await runMigrations(config, ANALYTICS_DATABASE, 'up')).toEqual([
      'DropBuyerRevenueDaily1766200000301',
    ]);
    expect(await matviews()).toEqual(['call_kpis_daily', 'call_metrics_hourly']);
  });

  it('should drop every table on down-all', async () => {
    const reverted = await runMigrations(config, ANALYTICS_DATABASE, 'down-all');
    expect(reverted).toEqual([
      'DropBuyerRevenueDaily1766200000301',
      'AllowCallsSoldThroughBids1766100000301',
      'CreateCallMetricViews1766000000301',
      'CreateOutboxEvents1765000000000',
      'CreateCallRecords1764000000301',
      'CreateProcessedEvents1764000000000',
    ]);
    expect(await tables()).toEqual(['migrations']);
  });
});
