import { dropSchema, eventually, sendJson, stackEnv, useTestService } from '@platform/service-kit/testing';
import { randomBytes, randomInt } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  batchDecision,
  ComplianceCheckService,
  ComplianceService,
  complianceServiceSpec,
  DEVELOPMENT_PEPPER,
  DncMembership,
  hmacPhoneNumber,
  NOT_IN_L1,
  type CheckRequest,
  type HashedCheckRequest,
} from '../src';
import { ALWAYS_QUIET, NEVER_QUIET, OPEN_ALL_DAY } from './tcpa-fixtures';

const randomPhone = () => `+1415${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
const hashOf = (phone: string) => hmacPhoneNumber(DEVELOPMENT_PEPPER, phone);
const hashed = (request: CheckRequest): HashedCheckRequest => ({
  phoneHash: hashOf(request.phoneNumber),
  state: request.state,
  at: request.at,
});

describe('checks by hash, single and batch, against peekCheck/check (real Postgres, Redis, Kafka)', () => {
  const schema = `compliance_hashed_${randomBytes(4).toString('hex')}`;
  const service = useTestService(complianceServiceSpec(), 'compliance', {
    DB_SCHEMA: schema,
    CACHE_PREFIX: `${schema}:`,
  });
  afterAll(() => dropSchema(stackEnv()['DATABASE_URL'], schema));
  const checks = () => service.app.get(ComplianceCheckService);
  const compliance = () => service.app.get(ComplianceService);
  const publish = async (rules: Record<string, unknown>) =>
    (
      await compliance().createTcpaRuleSet({
        rules,
        effectiveFrom: '2026-01-01T00:00:00.000Z',
        activate: true,
      })
    ).version;

  /**
   * Every change event has been consumed here: its invalidation (from Kafka, after the write-through) can
   * no longer empty L1 between a check and the peek compared with it. Each of this service's outbox events is
   * looked up in its inbox: a count of the inbox would also count the events of the topics it consumes from
   * the other services (other suites publish to them meanwhile), and said "settled" too early.
   */
  const settled = () =>
    eventually(async () => {
      const [{ sent, unseen }] = await service.app.get(DataSource).query(
        `SELECT (SELECT count(*) FROM ${schema}.outbox_events)::int AS sent,
                (SELECT count(*) FROM ${schema}.outbox_events o WHERE NOT EXISTS (
                   SELECT 1 FROM ${schema}.processed_events p WHERE p.event_id = o.event_id))::int AS unseen`,
      );
      return sent > 0 && unseen === 0;
    }, 60_000);

  const listed = randomPhone();
  /** Added then removed: its bits stay in the filter, so the filter says maybe and the exact entry says no. */
  const removed = randomPhone();
  const free = randomPhone();
  let version: number;

  beforeAll(async () => {
    await eventually(() => service.app.get(DncMembership).status().trusted);
    await sendJson('PUT', `${service.httpUrl}/compliance/states/IL`, OPEN_ALL_DAY);
    version = await publish(NEVER_QUIET);
    await compliance().addDncEntry({ phoneNumber: listed, source: 'test' });
    await compliance().addDncEntry({ phoneNumber: removed, source: 'test' });
    await compliance().removeDncEntry(hashOf(removed));
    await settled();
  });

  it('should answer as peekCheck and check do: a listed number, a filter false positive and a free number', async () => {
    const membership = service.app.get(DncMembership);
    // The paths the numbers take are the ones named: the removed number is a "maybe" the exact entry denies.
    expect(membership.mayBeListed(hashOf(removed))).toBe(true);
    expect(membership.mayBeListed(hashOf(free))).toBe(false);
    const requests: CheckRequest[] = [listed, removed, free].map((phoneNumber) => ({
      phoneNumber,
      state: 'IL',
      at: Date.UTC(2026, 5, 1, 18),
    }));
    const hashedRequests = requests.map(hashed);
    // Loaded, then read back from L1 in one synchronous block (nothing can evict in between). Again if L1
    // was dropped meanwhile (a bus silence or resync on a loaded machine distrusts L1 and the filter).
    const { loaded, peeked, peekedHashed, batch } = await eventually(async () => {
      const loaded = await Promise.all(requests.map((request) => checks().check(request)));
      const peeked = requests.map((request) => checks().peekCheck(request));
      const peekedHashed = hashedRequests.map((request) => checks().peekCheckHashed(request));
      const batch = checks().peekCheckBatch(hashedRequests);
      const warm = peeked.every((d) => d !== undefined) && batch !== undefined;
      return warm && { loaded, peeked, peekedHashed, batch };
    });
    expect(loaded.map((d) => d.reasons)).toEqual([['DNC_LISTED'], [], []]);
    expect(loaded.every((d) => d.ruleVersion === version)).toBe(true);
    expect(peeked).toEqual(loaded);
    expect(peekedHashed).toEqual(loaded);
    expect(batch.ruleVersion).toBe(version);
    requests.forEach((_, i) => expect(batchDecision(hashedRequests, batch, i)).toEqual(loaded[i]));
    expect(await checks().checkBatch(hashedRequests)).toEqual(loaded);
  });

  it('should leave a check undecided when its state is not in L1, and decide it once loaded', async () => {
    const request = { phoneHash: hashOf(free), state: 'WY', at: Date.UTC(2026, 5, 1, 18) };
    expect(checks().peekCheckHashed(request)).toBeUndefined();
    const batch = checks().peekCheckBatch([request, { ...request, state: 'IL' }]);
    expect(batch?.codes[0]).toBe(NOT_IN_L1);
    expect(batch?.codes[1]).toBe(0);
    const [loaded, peeked] = await eventually(async () => {
      const [loaded] = await checks().checkBatch([request]);
      const peeked = checks().peekCheckHashed(request);
      return peeked !== undefined && [loaded, peeked];
    });
    expect(loaded).toMatchObject({ allowed: true, ruleVersion: version, state: 'WY' });
    expect(peeked).toEqual(loaded);
  });

  it('should read through the cache, not a copy: a number listed after it was checked reads listed at once', async () => {
    const phone = randomPhone();
    const request = { phoneHash: hashOf(phone), state: 'IL', at: Date.UTC(2026, 5, 1, 18) };
    await eventually(async () => {
      await checks().checkBatch([request]);
      return checks().peekCheckHashed(request) !== undefined;
    });
    expect(checks().peekCheckHashed(request)?.allowed).toBe(true);
    await compliance().addDncEntry({ phoneNumber: phone, source: 'test' });
    // At once: the write-through's entry, or nothing if the change event has already evicted it; never the
    // answer from before the add.
    const now = checks().peekCheckHashed(request);
    expect(now === undefined || now.reasons.includes('DNC_LISTED')).toBe(true);
    await settled();
    const [peeked, batch] = await eventually(async () => {
      await checks().checkBatch([request]);
      const peeked = checks().peekCheckHashed(request);
      return peeked !== undefined && [peeked, checks().peekCheckBatch([request])];
    });
    expect(peeked.reasons).toEqual(['DNC_LISTED']);
    expect(batch?.codes[0]).toBe(1);
  });

  it('should decide a whole batch with the version it pinned when a version is published while it loads', async () => {
    const before = await publish(NEVER_QUIET);
    await settled();
    const at = Date.UTC(2026, 5, 1, 18);
    // The batch pins the version L1 holds before it awaits anything. The change event has just evicted the
    // pointer; without it in L1 the batch would read it from Postgres after the call, where the publish below
    // may land first on a loaded machine (CI saw the new version). So a check fills it first.
    const warm = { phoneHash: hashOf(free), state: 'IL', at };
    await eventually(async () => {
      await checks().checkBatch([warm]);
      return checks().peekCheckHashed(warm)?.ruleVersion === before;
    });
    const db = service.app.get(DataSource);
    // A state no check has read: its load waits on Postgres, which a lock on the table holds back.
    const state = 'VT';
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    let pending: Promise<unknown> | undefined;
    try {
      await runner.query(`LOCK TABLE ${schema}.state_rules IN ACCESS EXCLUSIVE MODE`);
      const requests = [free, listed, randomPhone()].flatMap((phone) => [
        { phoneHash: hashOf(phone), state: 'IL', at },
        { phoneHash: hashOf(phone), state, at },
      ]);
      // Still in L1 as the batch starts (no await between this check and the call).
      expect(checks().peekCheckHashed(warm)?.ruleVersion).toBe(before);
      pending = checks().checkBatch(requests);
      const after = await publish(ALWAYS_QUIET);
      // The publish has landed (the pointer says so) while the batch still waits for the state's load.
      expect(await compliance().activeTcpaVersion()).toBe(after);
      await runner.commitTransaction();
      const decisions = (await pending) as Awaited<ReturnType<ComplianceCheckService['checkBatch']>>;
      for (const decision of decisions) {
        expect(decision.ruleVersion).toBe(before);
        expect(decision.reasons).not.toContain('TCPA_QUIET_HOURS');
      }
      const next = await checks().checkBatch(requests);
      for (const decision of next) {
        expect(decision.ruleVersion).toBe(after);
        expect(decision.reasons).toContain('TCPA_QUIET_HOURS');
      }
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
      await pending?.catch(() => undefined);
    }
  });
});
