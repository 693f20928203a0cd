import type { TcpaRuleSetView } from './compliance.mapper';
import { ComplianceCheckService, localHour } from './compliance-check.service';
import type { ComplianceService } from './compliance.service';
import type { PhoneHasher } from './phone-hash';
import type { CheckAuditWriter } from './audit/check-audit.writer';

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

describe('localHour', () => {
  it('should give the local hour, including half-hour zones and across a DST change', () => {
    expect(localHour(Date.UTC(2026, 0, 1, 12, 0), 'America/Chicago')).toBe(6);
    expect(localHour(Date.UTC(2026, 0, 1, 12, 29), 'Asia/Kolkata')).toBe(17);
    expect(localHour(Date.UTC(2026, 0, 1, 12, 30), 'Asia/Kolkata')).toBe(18);
    expect(localHour(Date.UTC(2026, 2, 8, 7, 59), 'America/Chicago')).toBe(1);
    expect(localHour(Date.UTC(2026, 2, 8, 8, 0), 'America/Chicago')).toBe(3);
  });
});
