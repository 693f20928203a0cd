import {
  dropSchema,
  eventually,
  readJson,
  sendJson,
  stackEnv,
  useTestService,
} from '@platform/service-kit/testing';
import { status } from '@grpc/grpc-js';
import { randomBytes, randomInt } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CheckAuditWriter, complianceServiceSpec, DEVELOPMENT_PEPPER, hmacPhoneNumber } from '../src';
import { ALWAYS_QUIET, NEVER_QUIET, OPEN_ALL_DAY } from './tcpa-fixtures';

const randomPhone = () => `+1415${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;

describe('compliance checks on two instances (real Postgres, Redis, Kafka)', () => {
  // A schema and cache prefix of the suite's own, shared by both instances (one L2, one bus).
  const schema = `compliance_checks_${randomBytes(4).toString('hex')}`;
  const overrides = { DB_SCHEMA: schema, CACHE_PREFIX: `${schema}:` };
  const a = useTestService(complianceServiceSpec(), 'compliance', overrides);
  const b = useTestService(complianceServiceSpec(), 'compliance', overrides);
  afterAll(() => dropSchema(stackEnv()['DATABASE_URL'], schema));

  const publish = async (rules: object) =>
    readJson(
      await sendJson('POST', `${a.httpUrl}/compliance/tcpa-rule-sets`, {
        rules,
        effectiveFrom: '2026-01-01T00:00:00.000Z',
        activate: true,
      }),
    );
  const auditRows = (hash: string) =>
    a.app
      .get(DataSource)
      .query(`SELECT allowed, rule_version, reasons FROM ${schema}.check_audit WHERE phone_hash = $1`, [
        hash,
      ]);

  beforeAll(async () => {
    await sendJson('PUT', `${a.httpUrl}/compliance/states/IL`, OPEN_ALL_DAY);
  });

  it('should decide DNC, TCPA and state rules with the version it used, and audit the decision', async () => {
    const version = (await publish(NEVER_QUIET)).version;
    const listed = randomPhone();
    await sendJson('POST', `${a.httpUrl}/compliance/dnc`, { phoneNumber: listed, source: 'test' });
    const free = randomPhone();

    const response = await sendJson('POST', `${b.httpUrl}/compliance/checks/batch`, {
      checks: [
        { phoneNumber: listed, state: 'IL' },
        { phoneNumber: free, state: 'IL' },
      ],
    });
    expect(response.status).toBe(200);
    const { decisions } = await readJson(response);
    expect(decisions[0]).toMatchObject({ allowed: false, reasons: ['DNC_LISTED'], ruleVersion: version });
    expect(decisions[1]).toMatchObject({
      allowed: true,
      reasons: [],
      ruleVersion: version,
      phoneHash: hmacPhoneNumber(DEVELOPMENT_PEPPER, free),
    });
    expect(JSON.stringify(decisions)).not.toContain(listed.slice(1));

    const single = await readJson(
      await sendJson('POST', `${b.httpUrl}/compliance/checks`, { phoneNumber: free, state: 'IL' }),
    );
    expect(single).toMatchObject({ allowed: true, ruleVersion: version });

    const rows = await eventually(async () => {
      const found = await auditRows(hmacPhoneNumber(DEVELOPMENT_PEPPER, free));
      return found.length === 2 && found;
    });
    expect(rows[0]).toEqual({ allowed: true, rule_version: version, reasons: [] });
    const listedRows = await eventually(async () => {
      const found = await auditRows(hmacPhoneNumber(DEVELOPMENT_PEPPER, listed));
      return found.length === 1 && found;
    });
    expect(listedRows[0]).toEqual({ allowed: false, rule_version: version, reasons: ['DNC_LISTED'] });
  });

  it('should switch every instance to a new TCPA version, never mixing two versions in one check', async () => {
    const before = (await publish(ALWAYS_QUIET)).version;
    const seen: { ruleVersion: number; reasons: string[] }[] = [];
    let stop = false;
    const checking = [a, b].map(async (instance) => {
      while (!stop) {
        const response = await sendJson('POST', `${instance.httpUrl}/compliance/checks/batch`, {
          checks: Array.from({ length: 50 }, () => ({ phoneNumber: randomPhone(), state: 'IL' })),
        });
        expect(response.status).toBe(200);
        seen.push(...(await readJson(response)).decisions);
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = (await publish(NEVER_QUIET)).version;
    // Both instances answer with the new version (the pointer's L1 copy was evicted on every instance).
    for (const instance of [a, b]) {
      await eventually(async () => {
        const decision = await readJson(
          await sendJson('POST', `${instance.httpUrl}/compliance/checks`, {
            phoneNumber: randomPhone(),
            state: 'IL',
          }),
        );
        return decision.ruleVersion === after;
      });
    }
    stop = true;
    await Promise.all(checking);

    expect(seen.some((d) => d.ruleVersion === before)).toBe(true);
    for (const decision of seen) {
      // Each decision's reasons are exactly what its own version's rules say: no mix.
      if (decision.ruleVersion === before) expect(decision.reasons).toEqual(['TCPA_QUIET_HOURS']);
      else expect(decision).toMatchObject({ ruleVersion: after, reasons: [] });
    }
  });

  it('should keep every audit record through a Postgres write outage, and write them once it ends', async () => {
    await publish(NEVER_QUIET);
    const phone = randomPhone();
    const hash = hmacPhoneNumber(DEVELOPMENT_PEPPER, phone);
    const db = a.app.get(DataSource);
    await db.query(`ALTER TABLE ${schema}.check_audit RENAME TO check_audit_offline`);
    try {
      for (let i = 0; i < 3; i++) {
        const response = await sendJson('POST', `${a.httpUrl}/compliance/checks`, {
          phoneNumber: phone,
          state: 'IL',
        });
        expect(response.status).toBe(200);
      }
      const writer = a.app.get(CheckAuditWriter);
      await writer.flush();
      expect(writer.pending).toBeGreaterThanOrEqual(3);
      const metrics = await (await fetch(`${a.httpUrl}/metrics`)).text();
      expect(metrics).toMatch(/compliance_audit_flush_failures_total\S* [1-9]/);
    } finally {
      await db.query(`ALTER TABLE ${schema}.check_audit_offline RENAME TO check_audit`);
    }
    await eventually(async () => (await auditRows(hash)).length === 3);
  });

  it('should answer the same decisions over gRPC, single and batch', async () => {
    const version = (await publish(NEVER_QUIET)).version;
    const phone = randomPhone();
    const single = await b.grpc.call('checkCall', { phoneNumber: phone, state: 'IL' });
    expect(single.decision).toMatchObject({
      allowed: true,
      ruleVersion: version,
      phoneHash: hmacPhoneNumber(DEVELOPMENT_PEPPER, phone),
    });
    const batch = await b.grpc.call('checkCallBatch', {
      checks: [
        { phoneNumber: phone, state: 'IL' },
        { phoneNumber: randomPhone(), state: 'IL', at: '2026-06-01T12:00:00Z' },
      ],
    });
    expect(batch.decisions).toHaveLength(2);
    expect(batch.decisions[1]).toMatchObject({ checkedAt: '2026-06-01T12:00:00.000Z', ruleVersion: version });
  });

  it('should refuse a malformed number over gRPC with INVALID_ARGUMENT naming the field, not echoing it', async () => {
    const error = await b.grpc
      .call('checkCallBatch', { checks: [{ phoneNumber: '9999x1234', state: 'IL' }] })
      .then(
        () => undefined,
        (rejected: { code: number; details: string }) => rejected,
      );
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toContain('checks.0.phoneNumber');
    expect(error?.details).not.toContain('9999x1234');
  });

  it('should refuse bad checks with 400 naming the field, without echoing the number', async () => {
    const response = await sendJson('POST', `${a.httpUrl}/compliance/checks/batch`, {
      checks: [{ phoneNumber: '555-12ab', state: 'ZZ' }],
    });
    expect(response.status).toBe(400);
    const body = await readJson(response);
    expect(body.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'checks.0.phoneNumber',
      'checks.0.state',
    ]);
    expect(JSON.stringify(body)).not.toContain('555-12ab');
    const empty = await sendJson('POST', `${a.httpUrl}/compliance/checks/batch`, { checks: [] });
    expect(empty.status).toBe(400);
  });
});
