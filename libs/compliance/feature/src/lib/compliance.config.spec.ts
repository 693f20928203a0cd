import { ConfigValidationError } from '@platform/config';
import { DEVELOPMENT_PEPPER, loadComplianceConfig } from './compliance.config';
import { hmacPhoneNumber, normalizeE164 } from './phone-hash';

describe('loadComplianceConfig', () => {
  it('should refuse to start in production without a pepper, naming the variable', () => {
    expect(() => loadComplianceConfig('production', {})).toThrow(ConfigValidationError);
    expect(() => loadComplianceConfig('production', {})).toThrow(/COMPLIANCE_PHONE_HASH_PEPPER/);
  });

  it('should refuse a short pepper', () => {
    expect(() => loadComplianceConfig('development', { COMPLIANCE_PHONE_HASH_PEPPER: 'short' })).toThrow(
      /COMPLIANCE_PHONE_HASH_PEPPER/,
    );
  });

  it('should use the configured pepper, and the development one only outside production', () => {
    const pepper = 'p'.repeat(40);
    expect(loadComplianceConfig('production', { COMPLIANCE_PHONE_HASH_PEPPER: pepper })).toEqual({
      phoneHashPepper: pepper,
    });
    expect(loadComplianceConfig('test', {})).toEqual({ phoneHashPepper: DEVELOPMENT_PEPPER });
  });
});

describe('hmacPhoneNumber', () => {
  it('should depend on the pepper, and never contain the number', () => {
    const a = hmacPhoneNumber('a'.repeat(32), '+14155550100');
    expect(a).toMatch(/^[a-f0-9]{64}$/);
    expect(a).not.toBe(hmacPhoneNumber('b'.repeat(32), '+14155550100'));
    expect(a).not.toContain('4155550100');
  });
});

describe('normalizeE164', () => {
  it('should drop typed separators and refuse what is not E.164', () => {
    expect(normalizeE164('+1 (415) 555-0100')).toBe('+14155550100');
    expect(normalizeE164('415-555-0100')).toBeUndefined();
  });
});
