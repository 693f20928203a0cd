import { loadServiceConfig, ServiceConfig } from '@platform/config';
import { runMigrations } from '@platform/database';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { COMPLIANCE_DATABASE } from '../src';

const BASE_URL = process.env.DATABASE_URL ?? 'postgres://platform:platform@127.0.0.1:15432/platform';
const SCRATCH_DB = `compliance_mig_${randomBytes(6).toString('hex')}`;
const SCHEMA = 'compliance';
const TABLES = [
  'check_audit',
  'dnc_entries',
  'dnc_imports',
  'dnc_list_state',
  'outbox_events',
  'processed_events',
  'state_rules',
  'tcpa_rule_sets',
];

const urlOf = (database: string) => {
  const url = new URL(BASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
};

const withClient = async <T>(url: string, work: (client: Client) => Promise<T>): Promise<T> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

const tablesIn = (schema: string) =>
  withClient(urlOf(SCRATCH_DB), async (client) => {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = $1 AND table_name <> 'migrations' ORDER BY table_name`,
      [schema],
    );
    return rows.map((row) => row.table_name);
  });

describe('compliance migrations (scratch database)', () => {
  let config: ServiceConfig;

  beforeAll(async () => {
    await withClient(BASE_URL, (client) => client.query(`CREATE DATABASE ${SCRATCH_DB}`));
    config = loadServiceConfig(
      { name: 'compliance-migrations-test', httpPort: 3103, grpcPort: 5103, dbSchema: SCHEMA },
      {
        DATABASE_URL: urlOf(SCRATCH_DB),
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:16379',
        KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:19092',
      },
    );
  });

  afterAll(async () => {
    await withClient(BASE_URL, (client) =>
      client.query(`DROP DATABASE IF EXISTS ${SCRATCH_DB} WITH (FORCE)`),
    );
  });

  it('should create the tables in the service schema, then apply nothing the second time', async () => {
    expect(await runMigrations(config, COMPLIANCE_DATABASE, 'up')).toEqual([
      'CreateProcessedEvents1764000000000',
      'CreateComplianceTables1764000000201',
      'CreateComplianceAudit1764000000202',
      'CreateOutboxEvents1765000000000',
      'CreateDncSync1766000000201',
      'QuietOutboxCommits1767000000000',
    ]);
    expect(await tablesIn(SCHEMA)).toEqual(TABLES);
    expect(await tablesIn('public')).toEqual([]);

    expect(await runMigrations(config, COMPLIANCE_DATABASE, 'up')).toEqual([]);
  });

  it('should enforce one active rule set, unique versions and the calling window', async () => {
    await withClient(urlOf(SCRATCH_DB), async (client) => {
      const insertRuleSet = (version: number, active: boolean) =>
        client.query(
          `INSERT INTO ${SCHEMA}.tcpa_rule_sets (version, rules, effective_from, active)
           VALUES ($1, '{"a":1}', now(), $2)`,
          [version, active],
        );
      await insertRuleSet(1, true);
      await insertRuleSet(2, false);
      await expect(insertRuleSet(3, true)).rejects.toMatchObject({ code: '23505' });
      await expect(insertRuleSet(2, false)).rejects.toMatchObject({ code: '23505' });

      const insertStateRule = (start: number, end: number) =>
        client.query(
          `INSERT INTO ${SCHEMA}.state_rules
             (state, calling_hours_start, calling_hours_end, timezone, max_attempts_per_day, requires_consent, version)
           VALUES ('CA', $1, $2, 'America/Los_Angeles', 3, true, 1)`,
          [start, end],
        );
      await expect(insertStateRule(9, 9)).rejects.toMatchObject({ code: '23514' });
      await expect(insertStateRule(8, 25)).rejects.toMatchObject({ code: '23514' });
      await insertStateRule(8, 21);

      await expect(
        client.query(`INSERT INTO ${SCHEMA}.dnc_entries (phone_hash, source) VALUES ('+14155550100', 'x')`),
      ).rejects.toMatchObject({ code: '23514' });

      await client.query(
        `INSERT INTO ${SCHEMA}.check_audit (phone_hash, allowed, rule_version, reasons, state, checked_at)
         VALUES (repeat('a', 64), true, 1, '{}', 'CA', now())`,
      );
      await expect(client.query(`UPDATE ${SCHEMA}.check_audit SET allowed = false`)).rejects.toThrow(
        /append-only/,
      );
      await expect(client.query(`DELETE FROM ${SCHEMA}.check_audit`)).rejects.toThrow(/append-only/);
    });
  });

  it('should drop every table on down-all, newest migration first', async () => {
    expect(await runMigrations(config, COMPLIANCE_DATABASE, 'down-all')).toEqual([
      'QuietOutboxCommits1767000000000',
      'CreateDncSync1766000000201',
      'CreateOutboxEvents1765000000000',
      'CreateComplianceAudit1764000000202',
      'CreateComplianceTables1764000000201',
      'CreateProcessedEvents1764000000000',
    ]);
    expect(await tablesIn(SCHEMA)).toEqual([]);
  });
});
