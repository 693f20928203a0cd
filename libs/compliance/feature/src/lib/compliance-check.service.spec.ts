import type { StateRuleView, TcpaRuleSetView } from './compliance.mapper';
import {
  batchDecision,
  ComplianceCheckService,
  type HashedCheckRequest,
  isPhoneHash,
  localHour,
  toCheckRequest,
} from './compliance-check.service';
import { NOT_IN_L1 } from './check-decision';
import type { ComplianceService } from './compliance.service';
import type { PhoneHasher } from './phone-hash';
import type { CheckAuditWriter } from './audit/check-audit.writer';
import type { DncMembership } from './dnc/dnc-membership.service';
import { ComplianceCacheKeys } from './cache/compliance-cache.keys';

const ruleSet = (version: number, quietHours: [number, number]): TcpaRuleSetView => ({
  id: `id-${version}`,
  version,
  rules: { quietHours },
  effectiveFrom: '2026-01-01T00:00:00.000Z',
  active: true,
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe(ComplianceCheckService, () => {
  describe('check()', () => {
    it('should use the rule set of the version it pinned, even when a new version is published mid-check', async () => {
      // Version 1 quiet all day, version 2 never; the pointer moves to 2 right after the check read it.
      const versions = new Map([
        [1, ruleSet(1, [0, 24])],
        [2, ruleSet(2, [0, 0])],
      ]);
      let active = 1;
      const compliance = {
        peekInNamespace: () => undefined,
        activeTcpaVersion: async () => {
          const pinned = active;
          active = 2;
          return pinned;
        },
        getActiveTcpaRuleSet: async () => versions.get(active),
        findTcpaRuleSet: async (version: number) => versions.get(version) ?? null,
        findStateRule: async () => null,
        dncStatus: async () => ({ listed: false, until: null }),
      } as unknown as ComplianceService;
      const checks = new ComplianceCheckService(
        compliance,
        { hash: () => 'a'.repeat(64) } as unknown as PhoneHasher,
        { append: () => undefined } as unknown as CheckAuditWriter,
        { mayBeListed: () => true } as unknown as DncMembership,
      );

      const decision = await checks.check({
        phoneNumber: '+14155550100',
        state: 'CA',
        at: Date.UTC(2026, 0, 1, 12),
      });

      expect(decision).toMatchObject({ ruleVersion: 1, reasons: ['TCPA_QUIET_HOURS'], allowed: false });
    });
  });
});

describe('ComplianceCheckService peekCheck() and the DNC membership filter', () => {
  const hash = 'a'.repeat(64);
  const setup = (filterSays: boolean, dncInL1?: { listed: boolean; until: null }) => {
    const peeked: string[] = [];
    const l1 = new Map<string, unknown>([
      [ComplianceCacheKeys.tcpaActive(), 1],
      [ComplianceCacheKeys.tcpa(1), ruleSet(1, [0, 0])],
      [ComplianceCacheKeys.state('IL'), null],
    ]);
    if (dncInL1) l1.set(ComplianceCacheKeys.dnc(hash), dncInL1);
    const compliance = {
      peekInNamespace: (key: string) => {
        peeked.push(`compliance:${key}`);
        return l1.get(`compliance:${key}`);
      },
    } as unknown as ComplianceService;
    const checks = new ComplianceCheckService(
      compliance,
      { hash: () => hash } as unknown as PhoneHasher,
      { append: () => undefined } as unknown as CheckAuditWriter,
      { mayBeListed: () => filterSays } as unknown as DncMembership,
    );
    return { checks, peeked };
  };
  const request = { phoneNumber: '+14155550100', state: 'IL', at: Date.UTC(2026, 0, 1, 12) };

  it('should answer not listed without reading the DNC entry when the filter rules the number out', () => {
    const { checks, peeked } = setup(false);
    expect(checks.peekCheck(request)).toMatchObject({ allowed: true, reasons: [] });
    expect(peeked).not.toContain(ComplianceCacheKeys.dnc(hash));
  });

  it('should read the exact entry when the filter says maybe', () => {
    expect(setup(true).checks.peekCheck(request)).toBeUndefined();
    const listed = setup(true, { listed: true, until: null });
    expect(listed.checks.peekCheck(request)).toMatchObject({ allowed: false, reasons: ['DNC_LISTED'] });
    expect(listed.peeked).toContain(ComplianceCacheKeys.dnc(hash));
  });
});

describe('ComplianceCheckService by hash: peekCheckHashed(), peekCheckBatch(), checkBatch()', () => {
  // Hashes stand for numbers: the hasher maps each number to its hash, as the real one would.
  const hashOf = (digit: string) => digit.repeat(64);
  const FREE = hashOf('0');
  const LISTED = hashOf('1');
  /** The filter says maybe, the exact entry says not listed: a false positive (or a removed entry). */
  const FALSE_POSITIVE = hashOf('2');
  const NOT_PEEKED = hashOf('3');
  const numberOf = new Map([
    ['+14155550100', FREE],
    ['+14155550101', LISTED],
    ['+14155550102', FALSE_POSITIVE],
    ['+14155550103', NOT_PEEKED],
  ]);
  const chicago: StateRuleView = {
    state: 'IL',
    callingHoursStart: 8,
    callingHoursEnd: 21,
    timezone: 'America/Chicago',
    maxAttemptsPerDay: 3,
    requiresConsent: false,
  } as StateRuleView;

  const setup = () => {
    const l1 = new Map<string, unknown>([
      ['tcpa:active', 1],
      ['tcpa:v1', ruleSet(1, [21, 8])],
      ['state:IL', chicago],
      ['state:NY', null],
      [`dnc:${LISTED}`, { listed: true, until: null }],
      [`dnc:${FALSE_POSITIVE}`, { listed: false, until: null }],
    ]);
    const peeked: string[] = [];
    const compliance = {
      peekInNamespace: (key: string) => {
        peeked.push(key);
        return l1.get(key);
      },
      activeTcpaVersion: async () => l1.get('tcpa:active'),
      findTcpaRuleSet: async (version: number) => l1.get(`tcpa:v${version}`) ?? null,
      findStateRule: async (state: string) => l1.get(`state:${state}`) ?? null,
      dncStatus: async (hash: string) => l1.get(`dnc:${hash}`) ?? { listed: false, until: null },
    } as unknown as ComplianceService;
    const checks = new ComplianceCheckService(
      compliance,
      { hash: (phone: string) => numberOf.get(phone) } as unknown as PhoneHasher,
      { append: () => undefined } as unknown as CheckAuditWriter,
      { mayBeListed: (hash: string) => hash !== FREE } as unknown as DncMembership,
    );
    return { checks, l1, peeked };
  };
  // 12:00 UTC is 06:00 in Chicago (inside quiet hours, outside calling hours); 20:00 UTC is 14:00.
  const morning = Date.UTC(2026, 0, 1, 12);
  const afternoon = Date.UTC(2026, 0, 1, 20);
  const cases = [...numberOf.keys()].flatMap((phoneNumber) =>
    ['IL', 'NY'].flatMap((state) => [morning, afternoon].map((at) => ({ phoneNumber, state, at }))),
  );

  it('should answer exactly what peekCheck answers for the same number, listed, free or a filter false positive', () => {
    const { checks } = setup();
    for (const request of cases) {
      const phoneHash = numberOf.get(request.phoneNumber) as string;
      expect(checks.peekCheckHashed({ phoneHash, state: request.state, at: request.at })).toEqual(
        checks.peekCheck(request),
      );
    }
    expect(checks.peekCheckHashed({ phoneHash: LISTED, state: 'IL', at: afternoon })).toMatchObject({
      allowed: false,
      reasons: ['DNC_LISTED'],
      ruleVersion: 1,
    });
    expect(checks.peekCheckHashed({ phoneHash: FALSE_POSITIVE, state: 'IL', at: afternoon })).toMatchObject({
      allowed: true,
      reasons: [],
    });
    expect(checks.peekCheckHashed({ phoneHash: FREE, state: 'IL', at: morning })).toMatchObject({
      reasons: ['TCPA_QUIET_HOURS', 'OUTSIDE_STATE_CALLING_HOURS'],
    });
  });

  it('should decide a batch as peekCheck decides each check, reading the pointer, rule set and state once', () => {
    const { checks, peeked } = setup();
    const requests: HashedCheckRequest[] = cases.map((request) => ({
      phoneHash: numberOf.get(request.phoneNumber) as string,
      state: request.state,
      at: request.at,
    }));
    const expected = cases.map((request) => checks.peekCheck(request));
    peeked.length = 0;
    const batch = checks.peekCheckBatch(requests);
    if (batch === undefined) throw new Error('no batch');
    expect(batch.ruleVersion).toBe(1);
    requests.forEach((_, i) => {
      if (expected[i] === undefined) expect(batch.codes[i]).toBe(NOT_IN_L1);
      expect(batchDecision(requests, batch, i)).toEqual(expected[i]);
    });
    expect(peeked.filter((key) => key === 'tcpa:active')).toHaveLength(1);
    expect(peeked.filter((key) => key === 'state:IL')).toHaveLength(1);
    // A number the filter rules out is never read.
    expect(peeked).not.toContain(`dnc:${FREE}`);
  });

  it('should leave undecided (NOT_IN_L1) a check whose state or DNC entry is not in L1, and answer the rest', () => {
    const { checks } = setup();
    const requests = [
      { phoneHash: FREE, state: 'TX', at: afternoon },
      { phoneHash: NOT_PEEKED, state: 'IL', at: afternoon },
      { phoneHash: FREE, state: 'IL', at: afternoon },
    ];
    expect(checks.peekCheckHashed(requests[0])).toBeUndefined();
    expect(checks.peekCheckHashed(requests[1])).toBeUndefined();
    const batch = checks.peekCheckBatch(requests);
    if (batch === undefined) throw new Error('no batch');
    expect([...batch.codes]).toEqual([NOT_IN_L1, NOT_IN_L1, 0]);
    expect(batchDecision(requests, batch, 0)).toBeUndefined();
    expect(batchDecision(requests, batch, 2)).toMatchObject({ allowed: true, ruleVersion: 1 });
  });

  it('should answer undefined for a batch when the pointer or its rule set is not in L1', () => {
    const { checks, l1 } = setup();
    l1.delete('tcpa:v1');
    expect(checks.peekCheckBatch([{ phoneHash: FREE, state: 'IL' }])).toBeUndefined();
    l1.delete('tcpa:active');
    expect(checks.peekCheckBatch([{ phoneHash: FREE, state: 'IL' }])).toBeUndefined();
  });

  it('should refuse a value that is not a hash, naming the field and not echoing the value', () => {
    const { checks } = setup();
    const raw = '+14155550100';
    const refused = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error as { code: string; fields: { field: string }[]; message: string };
      }
      throw new Error('not refused');
    };
    const single = refused(() => checks.peekCheckHashed({ phoneHash: raw, state: 'IL' }));
    expect(single.code).toBe('VALIDATION.FAILED');
    expect(single.fields[0].field).toBe('phoneHash');
    expect(single.message).not.toContain('4155550100');
    const batch = refused(() =>
      checks.peekCheckBatch([
        { phoneHash: FREE, state: 'IL' },
        { phoneHash: raw, state: 'IL' },
      ]),
    );
    expect(batch.fields[0].field).toBe('[1].phoneHash');
    expect(isPhoneHash(FREE)).toBe(true);
    expect(isPhoneHash('G'.repeat(64))).toBe(false);
    expect(isPhoneHash(raw)).toBe(false);
  });

  it('should decide a whole batch with the version it pinned, even when a new version is published while it loads', async () => {
    const { checks, l1 } = setup();
    // TX is not in L1: its load waits on this promise, and version 2 (never quiet) is published meanwhile.
    let releaseState: (rule: StateRuleView | null) => void = () => undefined;
    const stateLoad = new Promise<StateRuleView | null>((resolve) => (releaseState = resolve));
    (checks as unknown as { compliance: { findStateRule: () => unknown } }).compliance.findStateRule = () =>
      stateLoad;
    // 04:00 UTC (TX has no rule: UTC) and 22:00 in Chicago: quiet under version 1.
    const night = Date.UTC(2026, 0, 1, 4);
    const pending = checks.checkBatch([
      { phoneHash: FREE, state: 'IL', at: night },
      { phoneHash: FREE, state: 'TX', at: night },
    ]);
    l1.set('tcpa:v2', ruleSet(2, [0, 0]));
    l1.set('tcpa:active', 2);
    releaseState(null);
    const decisions = await pending;
    for (const decision of decisions) {
      expect(decision.ruleVersion).toBe(1);
      expect(decision.reasons).toContain('TCPA_QUIET_HOURS');
    }
    expect((await checks.checkBatch([{ phoneHash: FREE, state: 'TX', at: night }]))[0]).toMatchObject({
      ruleVersion: 2,
      reasons: [],
    });
  });

  it('should answer checkBatch as check() answers the same numbers', async () => {
    const { checks } = setup();
    const batch = await checks.checkBatch(
      cases.map((request) => ({
        phoneHash: numberOf.get(request.phoneNumber) as string,
        state: request.state,
        at: request.at,
      })),
    );
    for (const [i, request] of cases.entries()) expect(batch[i]).toEqual(await checks.check(request));
    await expect(checks.checkBatch([{ phoneHash: 'not a hash', state: 'IL' }])).rejects.toMatchObject({
      code: 'VALIDATION.FAILED',
    });
  });
});

describe('localHour', () => {
  it('should give the local hour, including half-hour zones and across a DST change', () => {
    expect(localHour(Date.UTC(2026, 0, 1, 12, 0), 'America/Chicago')).toBe(6);
    expect(localHour(Date.UTC(2026, 0, 1, 12, 29), 'Asia/Kolkata')).toBe(17);
    expect(localHour(Date.UTC(2026, 0, 1, 12, 30), 'Asia/Kolkata')).toBe(18);
    expect(localHour(Date.UTC(2026, 2, 8, 7, 59), 'America/Chicago')).toBe(1);
    expect(localHour(Date.UTC(2026, 2, 8, 8, 0), 'America/Chicago')).toBe(3);
  });
});

describe('toCheckRequest', () => {
  it('should read an omitted or null `at` as now, and parse a given one', () => {
    const call = { phoneNumber: '+14155550100', state: 'NY' };
    expect(toCheckRequest(call).at).toBeUndefined();
    expect(toCheckRequest({ ...call, at: null }).at).toBeUndefined();
    expect(toCheckRequest({ ...call, at: '2026-01-02T03:04:05Z' }).at).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
  });
});
