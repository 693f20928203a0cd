import fc from 'fast-check';
import { compileRouteTemplate } from '../../http/route-template';
import { compileTemplate } from './key-template';
import type { ParameterName } from './parameter-names';

const seed = process.env['FC_SEED'] ? Number(process.env['FC_SEED']) : undefined;
const params: ParameterName[] = [
  { kind: 'name', name: 'a', index: 0 },
  { kind: 'name', name: 'b', index: 1 },
];
const scope = { params, allowResult: false, where: 'Fuzz.method' };
/** Literal text of a template: no braces. */
const literal = fc.string({ maxLength: 12 }).filter((s) => !s.includes('{') && !s.includes('}'));
/** Values biased to separators, so collisions are likely to be found when they exist. */
const separatorHeavy = fc.string({ unit: fc.constantFrom('a', ':', '1', '-'), minLength: 1, maxLength: 8 });

describe('compileTemplate() (property-based)', () => {
  it('should render literal text and the value of each placeholder, nothing else', () => {
    fc.assert(
      fc.property(literal, literal, separatorHeavy, (before, after, value) => {
        const template = compileTemplate(`${before}{a}${after}`, scope);
        expect(template.render([value])).toEqual({ key: `${before}${value}${after}` });
        expect(template.literalPrefix).toBe(before);
      }),
      { seed },
    );
  });

  it('should never collide across different values of a single placeholder (the key round-trips)', () => {
    fc.assert(
      fc.property(literal, literal, fc.string({ minLength: 1, maxLength: 64 }), (before, after, value) => {
        const { key } = compileTemplate(`${before}{a}${after}`, scope).render([value]) as { key: string };
        // Round trip: strip the literal parts and the value is back, so two values cannot share a key.
        expect(key.slice(before.length, key.length - after.length)).toBe(value);
      }),
      { seed },
    );
  });

  it('should refuse to build a key from a value that has no key text (never "undefined" or "[object Object]")', () => {
    const unrenderable = fc.oneof(
      fc.constantFrom(undefined, null, '', Number.NaN, Infinity, -Infinity),
      fc.object(),
      fc.array(fc.anything()),
      fc.func(fc.anything()),
    );
    fc.assert(
      fc.property(literal, unrenderable, (before, value) => {
        const result = compileTemplate(`${before}{a}`, scope).render([value]);
        expect(result).toEqual({ skip: expect.objectContaining({ placeholder: '{a}' }) });
      }),
      { seed },
    );
  });

  it('should never throw while rendering, whatever the arguments', () => {
    fc.assert(
      fc.property(fc.array(fc.anything(), { maxLength: 3 }), (args) => {
        const result = compileTemplate('x:{a.b.0}:{b}', scope).render(args);
        expect('key' in result || 'skip' in result).toBe(true);
      }),
      { seed },
    );
  });

  it('should keep two placeholders apart only when values cannot hold the separator (the real invariant)', () => {
    // Values drawn without ':' never collide in `x:{a}:{b}`: splitting at ':' recovers them.
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', '1', '-'), minLength: 1, maxLength: 6 }),
        fc.string({ unit: fc.constantFrom('a', '1', '-'), minLength: 1, maxLength: 6 }),
        (a, b) => {
          const { key } = compileTemplate('x:{a}:{b}', scope).render([a, b]) as { key: string };
          expect(key.split(':').slice(1)).toEqual([a, b]);
        },
      ),
      { seed },
    );
    // With ':' allowed in the values, any split of `s1:s2:s3` gives two different argument pairs and one key:
    // why domain keys hold at most one free-form id (whose pattern allows ':'), or end with a segment that
    // cannot hold ':' (e.g. `analytics:revenue:{buyerId}:{period}`, checked below).
    const piece = fc.string({ unit: fc.constantFrom('a', '1', '-'), minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(piece, piece, piece, (s1, s2, s3) => {
        const template = compileTemplate('x:{a}:{b}', scope);
        expect(template.render([`${s1}:${s2}`, s3])).toEqual(template.render([s1, `${s2}:${s3}`]));
      }),
      { seed },
    );
  });
});

describe('compileRouteTemplate() (property-based)', () => {
  /** An external id as the DTOs accept it (`[A-Za-z0-9._:-]`, 1–64). */
  const entityId = fc.string({
    unit: fc.constantFrom('a', 'Z', '0', '.', '_', ':', '-'),
    minLength: 1,
    maxLength: 64,
  });
  /** A revenue period as its DTO accepts it: `YYYY-MM` or `YYYY-MM-DD`. */
  const period = fc
    .date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2099-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .chain((d) => fc.constantFrom(d.toISOString().slice(0, 7), d.toISOString().slice(0, 10)));
  const revenue = compileRouteTemplate('analytics:revenue:{buyerId}:{period}', 'BuyerRevenueController.get');
  const render = (buyerId: string, value: string) =>
    revenue.render({
      method: 'GET',
      url: `/x?period=${encodeURIComponent(value)}`,
      params: { buyerId },
    } as never);

  it('should round-trip the revenue key (split at the last ":"), so different params never collide', () => {
    fc.assert(
      fc.property(entityId, period, (buyerId, p) => {
        const key = render(buyerId, p) as string;
        const rest = key.slice('analytics:revenue:'.length);
        const cut = rest.lastIndexOf(':');
        expect([rest.slice(0, cut), rest.slice(cut + 1)]).toEqual([buyerId, p]);
        // Within the cache's key limit (1024 by default) with any namespace prefix of up to 512 characters.
        expect(key.length).toBeLessThanOrEqual(512);
      }),
      { seed },
    );
  });

  it('should build no key when a placeholder has no value, rather than a key with a hole', () => {
    fc.assert(
      fc.property(fc.constantFrom(undefined, ''), entityId, (missing, buyerId) => {
        expect(revenue.render({ method: 'GET', url: '/x', params: { buyerId } } as never)).toBeUndefined();
        expect(
          revenue.render({ method: 'GET', url: '/x?period=2026-01', params: { buyerId: missing } } as never),
        ).toBeUndefined();
      }),
      { seed },
    );
  });
});
