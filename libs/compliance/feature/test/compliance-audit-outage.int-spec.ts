import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { startRedisServer } from '@platform/cache/testing';
import type { RunningService } from '@platform/service-kit';
import {
  eventually,
  readJson,
  sendJson,
  startKafkaBroker,
  startPostgresServer,
  startTestService,
  type KafkaBrokerHandle,
  type PostgresServerHandle,
} from '@platform/service-kit/testing';
import { randomInt } from 'node:crypto';
import { Client } from 'pg';
import { AUDIT_BUFFER_LIMIT, ComplianceCacheKeys, complianceServiceSpec } from '../src';

const SCHEMA = 'compliance';
const randomPhone = () => `+1646${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
/** The number checked while Postgres is down: its every input is in L1 by then (the `peek` path). */
const WARM_PHONE = randomPhone();
const OPEN_ALL_DAY = {
  callingHoursStart: 0,
  callingHoursEnd: 24,
  timezone: 'America/New_York',
  maxAttemptsPerDay: 3,
  requiresConsent: false,
};
/** Every check gets an `at` of its own, so each answered check is one identifiable audit row. */
const FIRST_AT = Date.parse('2026-03-01T00:00:00.000Z');
let nextAt = FIRST_AT;
const uniqueAt = () => new Date(nextAt++).toISOString();

/** The `compliance_audit_*` metrics as `/metrics` shows them. */
interface AuditMetrics {
  buffered: number;
  written: number;
  flushFailures: number;
  refused: number;
}

describe('audit trail through cache, Kafka and Postgres outages (throwaway Redis, broker and Postgres)', () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let kafka: KafkaBrokerHandle;
  let postgres: PostgresServerHandle;
  let service: RunningService;
  /** The `at` of every check the service answered (200), and of every one it refused (503). */
  const answered: string[] = [];
  const refused: string[] = [];

  beforeAll(async () => {
    [redis, kafka, postgres] = await Promise.all([
      startRedisServer(),
      startKafkaBroker(),
      startPostgresServer(),
    ]);
    service = await startTestService(complianceServiceSpec(), {
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      KAFKA_BROKERS: kafka.brokers,
      DB_SCHEMA: SCHEMA,
      CACHE_PREFIX: 'audit-outage:',
      // Kafka's client logs every refused connection while the broker is down.
      LOG_LEVEL: 'fatal',
    });
    await sendJson('PUT', `${service.httpUrl}/compliance/states/NY`, OPEN_ALL_DAY);
    await sendJson('POST', `${service.httpUrl}/compliance/tcpa-rule-sets`, {
      rules: { quietHours: [0, 0] },
      effectiveFrom: '2026-01-01T00:00:00.000Z',
      activate: true,
    });
    // The consumer has seen these changes' events (its evictions cannot empty L1 during an outage later).
    await eventually(async () => {
      const [{ sent, unseen }] = await query<{ sent: number; unseen: number }>(
        `SELECT (SELECT count(*) FROM ${SCHEMA}.outbox_events)::int AS sent,
                (SELECT count(*) FROM ${SCHEMA}.outbox_events o WHERE NOT EXISTS (
                   SELECT 1 FROM ${SCHEMA}.processed_events p WHERE p.event_id = o.event_id))::int AS unseen`,
      );
      return sent > 0 && unseen === 0;
    }, 60_000);
  }, 180_000);

  afterAll(async () => {
    await service?.app.close();
    await Promise.all([redis?.stop(), kafka?.destroy(), postgres?.destroy()]);
    // Closing the service and three throwaway servers took over 60 s once on a loaded 2-core CI machine.
  }, 180_000);

  /** Sends one batch check per number, each with a unique `at`; records which were answered or refused. */
  const checkBatch = async (phones: string[]) => {
    const checks = phones.map((phoneNumber) => ({ phoneNumber, state: 'NY', at: uniqueAt() }));
    const response = await sendJson('POST', `${service.httpUrl}/compliance/checks/batch`, { checks });
    (response.status === 200 ? answered : refused).push(...checks.map((check) => check.at));
    return response;
  };

  const metrics = async (): Promise<AuditMetrics> => {
    const text = await (await fetch(`${service.httpUrl}/metrics`)).text();
    const value = (name: string) =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
    return {
      buffered: value('compliance_audit_buffered'),
      written: value('compliance_audit_written_total'),
      flushFailures: value('compliance_audit_flush_failures_total'),
      refused: value('compliance_audit_refused_total'),
    };
  };

  /** Runs one query on the throwaway Postgres, on a connection of its own. */
  const query = async <T extends object>(sql: string): Promise<T[]> => {
    const client = new Client({ connectionString: postgres.url });
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  };

  /** Every audit row's `checked_at` (epoch ms, as sent), read straight from the throwaway Postgres. */
  const auditedAts = async (): Promise<string[]> => {
    const rows = await query<{ at: string }>(
      `SELECT (extract(epoch FROM checked_at) * 1000)::bigint::text AS at FROM ${SCHEMA}.check_audit`,
    );
    return rows.map((row) => new Date(Number(row.at)).toISOString());
  };

  /** Waits until the writer has drained, then: exactly one row per answered check, none for a refused one. */
  const expectOneRowPerAnsweredCheck = async () => {
    await eventually(async () => (await metrics()).buffered === 0, 30_000);
    const rows = await auditedAts();
    expect(rows.length).toBe(answered.length);
    expect(new Set(rows)).toEqual(new Set(answered));
    for (const at of refused) expect(rows).not.toContain(at);
  };

  it('should answer and audit every check while Redis is killed', async () => {
    await redis.kill();
    try {
      for (let round = 0; round < 3; round++) {
        const response = await checkBatch([WARM_PHONE, randomPhone(), randomPhone()]);
        expect(response.status).toBe(200);
      }
    } finally {
      await redis.restart();
    }
    await expectOneRowPerAnsweredCheck();
  }, 60_000);

  it('should answer and audit every check while Kafka is stopped', async () => {
    await kafka.stop('SIGKILL');
    try {
      for (let round = 0; round < 3; round++) {
        const response = await checkBatch([WARM_PHONE, randomPhone(), randomPhone()]);
        expect(response.status).toBe(200);
      }
      await expectOneRowPerAnsweredCheck();
    } finally {
      await kafka.start();
    }
  }, 120_000);

  it('should keep every answered check through a Postgres outage, refuse past the bound with 503, and write them all once Postgres is back', async () => {
    // Warm this instance's L1 for the number (pointer, rule set, state, DNC status) while Postgres is up.
    expect((await checkBatch([WARM_PHONE])).status).toBe(200);
    await expectOneRowPerAnsweredCheck();
    // A number only Postgres can settle: listed, so the membership filter says "maybe" (a number it has
    // never seen is answered "not listed" from memory, without Postgres), and its cached answer dropped.
    const coldPhone = randomPhone();
    const listed = await sendJson('POST', `${service.httpUrl}/compliance/dnc`, {
      phoneNumber: coldPhone,
      source: 'audit-outage',
    });
    expect(listed.status).toBe(201);
    const { phoneHash } = (await readJson(listed)) as { phoneHash: string };
    await service.app.get<TieredCache>(CACHE_INSTANCE).delete(ComplianceCacheKeys.dnc(phoneHash));
    const before = await metrics();

    await postgres.stop('fast');
    try {
      // Checks answered from L1 are answered; their decisions wait in the writer's buffer.
      for (let round = 0; round < 5; round++) {
        expect((await checkBatch([WARM_PHONE, WARM_PHONE])).status).toBe(200);
      }
      // A number whose DNC status only Postgres knows: 503, never a 500, and nothing to audit.
      const cold = await checkBatch([coldPhone]);
      expect(cold.status).toBe(503);
      const during = await eventually(async () => {
        const now = await metrics();
        return now.flushFailures > before.flushFailures && now;
      });
      expect(during.buffered).toBe(10);
      expect(during.written).toBe(before.written);

      // Past the buffer's bound, a check is refused with 503 AUDIT.BACKLOG_FULL rather than answered unaudited.
      const full = Array.from({ length: 1000 }, () => WARM_PHONE);
      let last: Response | undefined;
      for (let round = 0; round <= AUDIT_BUFFER_LIMIT / full.length; round++) {
        last = await checkBatch(full);
        if (last.status !== 200) break;
      }
      expect(last?.status).toBe(503);
      expect((await readJson(last as Response)).code).toBe('AUDIT.BACKLOG_FULL');
      const atBound = await metrics();
      expect(atBound.buffered).toBe(answered.length - before.written);
      expect(atBound.buffered).toBeLessThanOrEqual(AUDIT_BUFFER_LIMIT);
      expect(atBound.refused).toBe(before.refused + full.length);
    } finally {
      await postgres.start();
    }

    // Once Postgres is back, the writer reconnects and writes everything it kept, exactly once.
    await expectOneRowPerAnsweredCheck();
    const after = await metrics();
    expect(after.written).toBe(answered.length);
    expect(after.buffered).toBe(0);
  }, 180_000);
});
