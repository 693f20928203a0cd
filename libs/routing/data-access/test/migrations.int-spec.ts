import { loadServiceConfig, ServiceConfig } from '@platform/config';
import { dataSourceOptions, runMigrations } from '@platform/database';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  BuyerRoutingCriteria,
  BuyerRoutingRepository,
  ROUTING_DATABASE,
  RoutingHourlyStats,
  RoutingStatsRepository,
} from '../src';

// Data-access may not import @platform/service-kit (module boundaries), so no `stackEnv()` here.
const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://platform:platform@127.0.0.1:15432/platform';
const SCRATCH_DB = `routing_mig_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

const withDatabase = (url: string, database: string) => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

describe('routing migrations (scratch database on the real Postgres)', () => {
  let admin: Client;
  let config: ServiceConfig;
  let db: Client;

  const tables = async (): Promise<string[]> =>
    (
      await db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'routing' ORDER BY table_name`,
      )
    ).rows.map((row) => row.table_name);

  const applied = async (): Promise<string[]> =>
    (await db.query<{ name: string }>('SELECT name FROM routing.migrations ORDER BY id')).rows.map(
      (row) => row.name,
    );

  beforeAll(async () => {
    admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${SCRATCH_DB}`);
    const url = withDatabase(ADMIN_URL, SCRATCH_DB);
    config = loadServiceConfig(
      { name: 'routing', httpPort: 3102, grpcPort: 5102, dbSchema: 'routing' },
      {
        DATABASE_URL: url,
        REDIS_URL: 'redis://127.0.0.1:16379',
        KAFKA_BROKERS: '127.0.0.1:19092',
        NODE_ENV: 'test',
      },
    );
    db = new Client({ connectionString: url });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${SCRATCH_DB} WITH (FORCE)`);
    await admin?.end();
  });

  it('should create the tables in the routing schema and record every migration', async () => {
    const ran = await runMigrations(config, ROUTING_DATABASE, 'up');
    const all = [
      'CreateProcessedEvents1764000000000',
      'CreateBuyerRoutingCriteria1764000000101',
      'CreateOutboxEvents1765000000000',
      'AddRoutingHoursCapsAndStats1766000000101',
      'QuietOutboxCommits1767000000000',
    ];
    expect(ran).toEqual(all);
    expect(await tables()).toEqual([
      'buyer_routing_criteria',
      'migrations',
      'outbox_events',
      'processed_events',
      'routing_hourly_stats',
    ]);
    expect(await applied()).toEqual(all);

    const columns = await db.query<{
      column_name: string;
      data_type: string;
      udt_name: string;
      is_nullable: string;
    }>(
      `SELECT column_name, data_type, udt_name, is_nullable FROM information_schema.columns
        WHERE table_schema = 'routing' AND table_name = 'buyer_routing_criteria'`,
    );
    const byName = Object.fromEntries(columns.rows.map((c) => [c.column_name, c]));
    expect(byName['states']).toMatchObject({ data_type: 'ARRAY', udt_name: '_bpchar', is_nullable: 'NO' });
    expect(byName['buyer_id']).toMatchObject({ udt_name: 'varchar', is_nullable: 'NO' });

    const indexes = await db.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = 'routing' AND tablename = 'buyer_routing_criteria'`,
    );
    const definitions = indexes.rows.map((row) => row.indexdef);
    expect(definitions).toEqual(expect.arrayContaining([expect.stringMatching(/USING gin \(states\)/)]));
    expect(definitions).toEqual(
      expect.arrayContaining([expect.stringMatching(/UNIQUE INDEX .* \(buyer_id\)/)]),
    );
  });

  it('should enforce the CHECK constraints', async () => {
    const insert = (minBid: number, maxCalls: number) =>
      db.query(
        `INSERT INTO routing.buyer_routing_criteria (buyer_id, states, min_bid_cents, max_concurrent_calls, version)
         VALUES ($1, ARRAY['CA'], $2, $3, 1)`,
        [`check-${randomUUID()}`, minBid, maxCalls],
      );
    await expect(insert(-1, 1)).rejects.toMatchObject({ code: '23514' });
    await expect(insert(1, -1)).rejects.toMatchObject({ code: '23514' });
    const hours = (start: number, end: number) =>
      db.query(
        `INSERT INTO routing.buyer_routing_criteria
           (buyer_id, states, min_bid_cents, max_concurrent_calls, version, hours_start_minute, hours_end_minute)
         VALUES ($1, ARRAY['CA'], 1, 1, 1, $2, $3)`,
        [`check-${randomUUID()}`, start, end],
      );
    await expect(hours(1440, 1440)).rejects.toMatchObject({ code: '23514' });
    await expect(hours(0, 0)).rejects.toMatchObject({ code: '23514' });
  });

  describe('BuyerRoutingRepository on the migrated schema', () => {
    let dataSource: DataSource;
    let repository: BuyerRoutingRepository;

    beforeAll(async () => {
      dataSource = new DataSource({ ...dataSourceOptions(config, ROUTING_DATABASE), logging: ['error'] });
      await dataSource.initialize();
      repository = new BuyerRoutingRepository(dataSource.getRepository(BuyerRoutingCriteria));
    });

    afterAll(async () => {
      await dataSource?.destroy();
    });

    const data = (buyerId: string, states: string[], priority = 0, minBidCents = 100) => ({
      buyerId,
      states,
      minBidCents,
      maxConcurrentCalls: 3,
      priority,
      active: true,
      timeZone: 'America/New_York',
      hoursStartMinute: 9 * 60,
      hoursEndMinute: 17 * 60,
      dailyCap: null,
    });

    it('should round-trip states as string[] and keep one row per buyer', async () => {
      const first = await repository.upsert(data('buyer-a', ['CA', 'NY']));
      expect(first.before).toBeNull();
      expect(first.after).toMatchObject({
        buyerId: 'buyer-a',
        states: ['CA', 'NY'],
        version: 1,
        active: true,
      });

      const read = await repository.findByBuyerId('buyer-a');
      expect(read?.states).toEqual(['CA', 'NY']);
      expect(Array.isArray(read?.states)).toBe(true);

      const again = await repository.upsert(data('buyer-a', ['CA', 'NY']));
      expect(again.before).toMatchObject({ version: 1 });
      expect(again.after.version).toBe(1); // nothing changed, no new version
    });

    it('should list by state (array containment) and active flag, highest priority first', async () => {
      await repository.upsert(data('buyer-b', ['CA'], 10));
      const inactive = await repository.upsert({ ...data('buyer-c', ['CA', 'TX']), active: false });
      expect(inactive.after.active).toBe(false);

      const california = await repository.list({ state: 'CA', limit: 50 });
      expect(california.map((c) => c.buyerId)).toEqual(['buyer-b', 'buyer-a', 'buyer-c']);
      const activeInCalifornia = await repository.list({ state: 'CA', active: true, limit: 50 });
      expect(activeInCalifornia.map((c) => c.buyerId)).toEqual(['buyer-b', 'buyer-a']);
      expect((await repository.list({ state: 'NY', limit: 50 })).map((c) => c.buyerId)).toEqual(['buyer-a']);
      expect(await repository.list({ state: 'WY', limit: 50 })).toEqual([]);
      expect(await repository.list({ limit: 2 })).toHaveLength(2);
    });

    it('should give the active buyers of a state in routing order: priority, then price floor', async () => {
      await repository.upsert(data('rank-low', ['OR'], 1, 500));
      await repository.upsert(data('rank-high-cheap', ['OR'], 5, 100));
      await repository.upsert(data('rank-high-rich', ['OR', 'WA'], 5, 900));
      await repository.upsert({ ...data('rank-off', ['OR'], 9), active: false });
      const routes = await repository.activeForState('OR');
      expect(routes.map((c) => c.buyerId)).toEqual(['rank-high-rich', 'rank-high-cheap', 'rank-low']);
      // Exactly what a decision reads, as plain numbers: no other column is fetched or hydrated.
      expect(routes[0]).toStrictEqual({
        buyerId: 'rank-high-rich',
        priority: 5,
        minBidCents: 900,
        timeZone: 'America/New_York',
        hoursStartMinute: 540,
        hoursEndMinute: 1020,
        dailyCap: null,
      });
      const found = await repository.findByBuyerIds(['rank-low', 'nobody']);
      expect(found.map((c) => c.buyerId)).toEqual(['rank-low']);
    });

    it('should add hourly counts up and sum them per buyer and per state', async () => {
      const stats = new RoutingStatsRepository(dataSource.getRepository(RoutingHourlyStats));
      const hour = new Date('2026-01-02T03:00:00Z');
      await stats.add([
        { hour, state: 'CA', buyerId: 'b1', calls: 2 },
        { hour, state: 'CA', buyerId: '', calls: 1 },
      ]);
      await stats.add([{ hour, state: 'CA', buyerId: 'b1', calls: 3 }]);
      await stats.add([{ hour, state: 'NY', buyerId: 'b2', calls: 1 }]);
      expect((await stats.ofHour(hour)).map((r) => [r.state, r.buyerId, r.calls])).toEqual([
        ['CA', '', 1],
        ['CA', 'b1', 5],
        ['NY', 'b2', 1],
      ]);
      expect([...(await stats.callsPerBuyerSince(hour))].sort()).toEqual([
        ['b1', 5],
        ['b2', 1],
      ]);
      const busiest = await stats.busiestSince(hour, 1);
      expect(busiest.states).toEqual([{ key: 'CA', calls: 6 }]);
      expect(busiest.buyers).toEqual([{ key: 'b1', calls: 5 }]);
    });

    it('should bump the version on a real change, report what it replaced, and delete once', async () => {
      const { before, after } = await repository.upsert(data('buyer-a', ['NV']));
      expect(before?.states).toEqual(['CA', 'NY']);
      expect(after).toMatchObject({ states: ['NV'], version: 2 });

      expect(await repository.delete('buyer-a')).toMatchObject({ buyerId: 'buyer-a', version: 2 });
      expect(await repository.delete('buyer-a')).toBeNull();
      expect(await repository.findByBuyerId('buyer-a')).toBeNull();
    });

    it('should serialise concurrent upserts of one buyer: one create, no lost update', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => repository.upsert(data('buyer-race', ['CA'], i + 1))),
      );
      expect(results.filter((r) => r.before === null)).toHaveLength(1);
      // Each call replaced exactly the state the previous one left: versions 1..8, each seen once.
      expect(results.map((r) => r.after.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const chain = new Map(results.filter((r) => r.before).map((r) => [r.before?.version, r.after.version]));
      for (let version = 1; version < 8; version++) expect(chain.get(version)).toBe(version + 1);
    });
  });

  it('should apply nothing the second time (idempotent)', async () => {
    expect(await runMigrations(config, ROUTING_DATABASE, 'up')).toEqual([]);
    expect(await applied()).toHaveLength(5);
  });

  it('should drop the tables on down-all', async () => {
    const reverted = await runMigrations(config, ROUTING_DATABASE, 'down-all');
    expect(reverted).toEqual([
      'QuietOutboxCommits1767000000000',
      'AddRoutingHoursCapsAndStats1766000000101',
      'CreateOutboxEvents1765000000000',
      'CreateBuyerRoutingCriteria1764000000101',
      'CreateProcessedEvents1764000000000',
    ]);
    expect(await tables()).toEqual(['migrations']);
    expect(await applied()).toEqual([]);
  });
});
