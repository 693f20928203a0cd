import { CacheErrorCode } from '../core/errors';
import { DEFAULT_POLICY, resolvePolicy } from './policy';

describe('resolvePolicy()', () => {
  it('should keep the base when nothing is overridden', () => {
    expect(resolvePolicy(DEFAULT_POLICY, undefined)).toBe(DEFAULT_POLICY);
    expect(resolvePolicy(DEFAULT_POLICY, {})).toBe(DEFAULT_POLICY);
  });

  it('should take per-layer TTLs as the spec tables write them', () => {
    const policy = resolvePolicy(DEFAULT_POLICY, { ttl: { l1: '5m', l2: '24h' } });
    expect(policy).toMatchObject({ l1Ms: 300_000, l2Ms: 86_400_000 });
  });

  it('should cap L1 by a single short TTL so L1 never outlives it', () => {
    expect(resolvePolicy(DEFAULT_POLICY, { ttl: '10s' })).toMatchObject({ l1Ms: 10_000, l2Ms: 10_000 });
    expect(resolvePolicy(DEFAULT_POLICY, { ttl: '1h' })).toMatchObject({ l1Ms: 30_000, l2Ms: 3_600_000 });
    expect(resolvePolicy(DEFAULT_POLICY, { ttl: { l1: '1h', l2: '1m' } })).toMatchObject({ l1Ms: 60_000 });
  });

  it('should allow keeping an entry out of L1 with l1: 0', () => {
    expect(resolvePolicy(DEFAULT_POLICY, { ttl: { l1: 0, l2: '1m' } }).l1Ms).toBe(0);
  });

  it('should layer namespace then call options', () => {
    const namespace = resolvePolicy(DEFAULT_POLICY, { ttl: { l1: '1m', l2: '15m' }, grace: '1h' });
    const call = resolvePolicy(namespace, { softTtl: '10m', timeouts: { soft: '50ms', hard: '2s' } });
    expect(call).toEqual({
      l1Ms: 60_000,
      l2Ms: 900_000,
      softMs: 600_000,
      graceMs: 3_600_000,
      softTimeoutMs: 50,
      hardTimeoutMs: 2000,
    });
    expect(resolvePolicy(call, { grace: false, softTtl: false })).toMatchObject({ graceMs: 0, softMs: 0 });
  });

  it('should reject a malformed ttl object', () => {
    expect(() => resolvePolicy(DEFAULT_POLICY, { ttl: null as never })).toThrow(
      expect.objectContaining({ code: CacheErrorCode.InvalidOption }),
    );
  });
});
