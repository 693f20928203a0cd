import type { TcpaRuleSetView } from './compliance.mapper';
import { ComplianceCheckService, localHour, toCheckRequest } from './compliance-check.service';
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
        peek: () => undefined,
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
      peek: (key: string) => {
        peeked.push(key);
        return l1.get(key);
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
