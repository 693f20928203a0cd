import { callHourTtl, OPEN_HOUR_TTL_MS } from './analytics-cache.keys';

const at = (iso: string) => Date.parse(iso);

describe('callHourTtl()', () => {
  it("should keep the namespace's TTLs (undefined) for a closed hour", () => {
    expect(callHourTtl('2026-12-05', '18', at('2026-12-05T19:00:00Z'))).toBeUndefined();
    expect(callHourTtl('2026-12-04', '23', at('2026-12-05T19:30:00Z'))).toBeUndefined();
  });

  it('should give the open hour the short TTL in every layer', () => {
    const ttl = OPEN_HOUR_TTL_MS;
    expect(callHourTtl('2026-12-05', '19', at('2026-12-05T19:10:00Z'))).toEqual({
      l1: ttl,
      l2: ttl,
      l3: ttl,
    });
  });

  it("should cap the open hour's TTL at the hour's close, in whole seconds (at least one)", () => {
    expect(callHourTtl('2026-12-05', '19', at('2026-12-05T19:59:30.200Z'))).toEqual({
      l1: 30_000,
      l2: 30_000,
      l3: 30_000,
    });
    expect(callHourTtl('2026-12-05', '19', at('2026-12-05T19:59:59.900Z'))?.l3).toBe(1000);
  });

  it('should give a future hour the short TTL too', () => {
    expect(callHourTtl('2026-12-05', '21', at('2026-12-05T19:10:00Z'))?.l3).toBe(OPEN_HOUR_TTL_MS);
  });

  it.each([
    ['2026-13-01', '10'],
    ['2026-12-05', '24'],
    ['not-a-date', '10'],
    ['', ''],
  ])('should leave %s %s (refused with a 400) to the defaults', (date, hour) => {
    expect(callHourTtl(date, hour, at('2026-12-05T19:10:00Z'))).toBeUndefined();
  });
});
