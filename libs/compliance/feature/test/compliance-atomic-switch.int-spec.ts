import {
  dropSchema,
  eventually,
  readJson,
  sendJson,
  stackEnv,
  type ServiceUnderTest,
  useTestService,
} from '@platform/service-kit/testing';
import { randomBytes, randomInt } from 'node:crypto';
import { complianceServiceSpec } from '../src';
import { ALWAYS_QUIET, NEVER_QUIET, OPEN_ALL_DAY } from './tcpa-fixtures';

/**
 * The published bound (README, "Atomic TCPA publish"): once `POST /compliance/tcpa-rule-sets` with
 * `activate` is acknowledged, every instance answers with the new version for checks sent this long after.
 * A generous contract bound for a loaded machine, not a speed target (the bus delivers in milliseconds).
 */
const SWITCH_BOUND_MS = 1_000;
/** How long checks keep running past the bound, so every instance is seen answering after it. */
const RUN_PAST_BOUND_MS = 700;
/** Concurrent request loops per instance, so checks are in flight on both instances at the switch. */
const LOOPS_PER_INSTANCE = 2;

const randomPhone = () => `+1312${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
/** Numbers checked again and again: after their first check, every input is in L1 (the `peek` path). */
const WARM_PHONES = Array.from({ length: 20 }, randomPhone);

interface Decision {
  ruleVersion: number | null;
  allowed: boolean;
  reasons: string[];
}

/** One batch as the client saw it: which instance, when it was sent and answered, and its decisions. */
interface Batch {
  instance: number;
  sentAt: number;
  answeredAt: number;
  decisions: Decision[];
}

describe('atomic TCPA version switch across two compliance instances under concurrent checks', () => {
  // Both instances share the schema, the cache prefix (one L2, one bus channel) and nothing else: each has
  // its own L1, its own bus subscription and its own Kafka consumer group.
  const schema = `compliance_switch_${randomBytes(4).toString('hex')}`;
  const overrides = { DB_SCHEMA: schema, CACHE_PREFIX: `${schema}:` };
  const instances: ServiceUnderTest[] = [
    useTestService(complianceServiceSpec(), 'compliance', overrides),
    useTestService(complianceServiceSpec(), 'compliance', overrides),
  ];
  afterAll(() => dropSchema(stackEnv()['DATABASE_URL'], schema));

  const publish = async (via: ServiceUnderTest, rules: object): Promise<number> => {
    const response = await sendJson('POST', `${via.httpUrl}/compliance/tcpa-rule-sets`, {
      rules,
      effectiveFrom: '2026-01-01T00:00:00.000Z',
      activate: true,
    });
    expect(response.status).toBe(201);
    return (await readJson(response)).version;
  };

  /** Half warm numbers (answered from L1 by `peek`), half new ones (read through L2 and Postgres). */
  const checkBatch = async (instance: number): Promise<Batch> => {
    const checks = [...WARM_PHONES, ...Array.from({ length: WARM_PHONES.length }, randomPhone)].map(
      (phoneNumber) => ({ phoneNumber, state: 'IL' }),
    );
    const sentAt = Date.now();
    const response = await sendJson('POST', `${instances[instance].httpUrl}/compliance/checks/batch`, {
      checks,
    });
    expect(response.status).toBe(200);
    const { decisions } = await readJson(response);
    return { instance, sentAt, answeredAt: Date.now(), decisions };
  };

  beforeAll(async () => {
    const response = await sendJson('PUT', `${instances[0].httpUrl}/compliance/states/IL`, OPEN_ALL_DAY);
    expect(response.ok).toBe(true);
  });

  it('should never mix versions in a check, switch every instance within the bound, and never switch back', async () => {
    const before = await publish(instances[0], ALWAYS_QUIET);
    const batches: Batch[] = [];
    let stopAt = Number.POSITIVE_INFINITY;
    const loops = instances.flatMap((_, instance) =>
      Array.from({ length: LOOPS_PER_INSTANCE }, async () => {
        while (Date.now() < stopAt) batches.push(await checkBatch(instance));
      }),
    );
    // Both instances answer with version n (warm L1 on each) before n+1 is published through instance 0.
    const seenBefore = (instance: number) =>
      batches.some((b) => b.instance === instance && b.decisions.every((d) => d.ruleVersion === before));
    await eventually(() => seenBefore(0) && seenBefore(1), 30_000, 50);
    const after = await publish(instances[0], NEVER_QUIET);
    const acknowledgedAt = Date.now();
    stopAt = acknowledgedAt + SWITCH_BOUND_MS + RUN_PAST_BOUND_MS;
    await Promise.all(loops);

    expect(after).toBe(before + 1);
    const decisions = batches.flatMap((b) => b.decisions);
    // (a) Each check names one version, and its reasons are exactly that version's rules' reasons.
    for (const decision of decisions) {
      const expected =
        decision.ruleVersion === before
          ? { ruleVersion: before, allowed: false, reasons: ['TCPA_QUIET_HOURS'] }
          : { ruleVersion: after, allowed: true, reasons: [] };
      expect(decision).toMatchObject(expected);
    }
    expect(decisions.some((d) => d.ruleVersion === before)).toBe(true);
    expect(decisions.some((d) => d.ruleVersion === after)).toBe(true);

    for (const instance of [0, 1]) {
      const own = batches.filter((b) => b.instance === instance).sort((x, y) => x.sentAt - y.sentAt);
      // (b) Every check sent once the bound has passed since the acknowledgement answers with n+1.
      const pastBound = own.filter((b) => b.sentAt >= acknowledgedAt + SWITCH_BOUND_MS);
      expect(pastBound.length).toBeGreaterThan(0);
      for (const batch of pastBound) expect(batch.decisions.map((d) => d.ruleVersion)).not.toContain(before);
      // (c) Once an instance has answered with n+1, nothing it is asked afterwards answers with n.
      const firstNew = Math.min(
        ...own.filter((b) => b.decisions.some((d) => d.ruleVersion === after)).map((b) => b.answeredAt),
      );
      for (const batch of own.filter((b) => b.sentAt > firstNew)) {
        expect(batch.decisions.map((d) => d.ruleVersion)).not.toContain(before);
      }
    }
  }, 60_000);
});
