import { buildCacheControl } from './cache-control';

const base = {
  private: false,
  l3Ms: 60_000,
  browserMaxAgeMs: 0,
  staleWhileRevalidateMs: 0,
  staleIfErrorMs: 0,
};

describe('buildCacheControl()', () => {
  it('should let the edge keep a public response for the L3 TTL, and browsers revalidate', () => {
    expect(buildCacheControl(base)).toBe('public, max-age=0, s-maxage=60');
  });

  it('should add stale-while-revalidate and stale-if-error in whole seconds', () => {
    expect(buildCacheControl({ ...base, staleWhileRevalidateMs: 30_500, staleIfErrorMs: 86_400_000 })).toBe(
      'public, max-age=0, s-maxage=60, stale-while-revalidate=30, stale-if-error=86400',
    );
  });

  it('should give browsers their max-age when configured', () => {
    expect(buildCacheControl({ ...base, browserMaxAgeMs: 5000 })).toBe('public, max-age=5, s-maxage=60');
  });

  it('should make authenticated responses private, never with s-maxage', () => {
    const header = buildCacheControl({ ...base, private: true, staleWhileRevalidateMs: 10_000 });
    expect(header).toBe('private, no-cache');
    expect(header).not.toContain('s-maxage');
  });

  it('should keep a response without an L3 TTL (or under a second) out of the edge', () => {
    expect(buildCacheControl({ ...base, l3Ms: 0 })).toBe('no-cache');
    expect(buildCacheControl({ ...base, l3Ms: 999 })).toBe('no-cache');
    expect(buildCacheControl({ ...base, l3Ms: 0, browserMaxAgeMs: 10_000 })).toBe(
      'public, max-age=10, s-maxage=0',
    );
  });
});
