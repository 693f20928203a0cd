import { CacheErrorCode } from './errors';
import { toBytes, toMs } from './duration';

describe('toMs()', () => {
  it.each([
    [1500, 1500],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1.5s', 1500],
    ['2 m', 120_000],
  ] as const)('should parse %p as %p ms', (input, expected) => {
    expect(toMs(input, 'ttl')).toBe(expected);
  });

  it.each([Number.NaN, -1, Number.POSITIVE_INFINITY, 0, '0s', '-5m', '5 fortnights', '', 'abc'])(
    'should reject %p with E_CACHE_INVALID_TTL naming the field',
    (input) => {
      expect(() => toMs(input as never, 'ttl.l2')).toThrow(
        expect.objectContaining({
          code: CacheErrorCode.InvalidTtl,
          message: expect.stringContaining('ttl.l2'),
        }),
      );
    },
  );

  it('should accept zero only when allowed', () => {
    expect(toMs(0, 'grace', true)).toBe(0);
    expect(toMs('0s', 'grace', true)).toBe(0);
  });
});

describe('toBytes()', () => {
  it('should parse sizes with units', () => {
    expect(toBytes('512MB', 'l1.maxBytes')).toBe(512 * 1024 * 1024);
    expect(toBytes('64kb', 'x')).toBe(65_536);
    expect(toBytes(100, 'x')).toBe(100);
  });

  it('should reject nonsense with E_CACHE_INVALID_OPTION', () => {
    expect(() => toBytes('lots', 'l1.maxBytes')).toThrow(
      expect.objectContaining({ code: CacheErrorCode.InvalidOption }),
    );
    expect(() => toBytes(-1, 'l1.maxBytes')).toThrow(
      expect.objectContaining({ code: CacheErrorCode.InvalidOption }),
    );
  });
});
