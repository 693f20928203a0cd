import { CacheErrorCode } from './errors';
import { decodeEntry, encodeEntry, entryHead } from './codec';

describe('encodeEntry()', () => {
  it('should round-trip an envelope through decodeEntry', () => {
    const entry = { v: { id: 'b1', amount: 2.5, tags: ['x'] }, e: 123, s: 100, g: 200, t: ['bid:tag'] };
    expect(decodeEntry('k', encodeEntry('k', entry))).toEqual(entry);
  });

  it('should put a write id first, so the stored text starts with its head, and still decode the entry', () => {
    const entry = { v: { amount: 2 }, e: 123, t: ['bid:tag'] };
    const raw = encodeEntry('k', entry, 'Ab-_9z1');
    expect(raw.startsWith(entryHead('Ab-_9z1'))).toBe(true);
    expect(decodeEntry('k', raw)).toEqual({ w: 'Ab-_9z1', ...entry });
    // What a reader that ignores the id sees: the same envelope as without one.
    const { w, ...rest } = decodeEntry('k', raw);
    expect(w).toBe('Ab-_9z1');
    expect(rest).toEqual(decodeEntry('k', encodeEntry('k', entry)));
  });

  it('should keep null (a cached "not found") distinct from a miss', () => {
    expect(decodeEntry('k', encodeEntry('k', { v: null, e: 1 })).v).toBeNull();
  });

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a BigInt', 10n],
  ])('should reject %s with E_CACHE_INVALID_VALUE', (_, value) => {
    expect(() => encodeEntry('k', { v: value, e: 1 })).toThrow(
      expect.objectContaining({ code: CacheErrorCode.InvalidValue }),
    );
  });

  it('should reject a cycle with E_CACHE_INVALID_VALUE and the JSON error as cause', () => {
    const value: Record<string, unknown> = {};
    value['self'] = value;
    expect(() => encodeEntry('k', { v: value, e: 1 })).toThrow(
      expect.objectContaining({ code: CacheErrorCode.InvalidValue, cause: expect.any(TypeError) }),
    );
  });
});

describe('decodeEntry()', () => {
  it.each(['not json', '"a string"', '{"e":1}', '{"v":1}', 'null'])(
    'should reject %p with E_CACHE_DECODE_FAILED',
    (raw) => {
      expect(() => decodeEntry('k', raw)).toThrow(
        expect.objectContaining({ code: CacheErrorCode.DecodeFailed }),
      );
    },
  );
});
