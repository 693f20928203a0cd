import { CacheDecoratorError } from './cache-decorator.error';
import { compileTemplate } from './key-template';
import type { ParameterName } from './parameter-names';

const params: ParameterName[] = [
  { kind: 'name', name: 'id', index: 0 },
  { kind: 'name', name: 'buyer', index: 1 },
  { kind: 'pattern', properties: ['callId'], index: 2 },
];
const scope = { params, allowResult: false, where: 'BidService.find' };

describe('compileTemplate()', () => {
  describe('render()', () => {
    it('should substitute named arguments and nested fields', () => {
      const template = compileTemplate('bids:buyer:{buyer.id}:active:{id}', scope);
      expect(template.render(['42', { id: 7 }, {}])).toEqual({ key: 'bids:buyer:7:active:42' });
      expect(template.literalPrefix).toBe('bids:buyer:');
    });

    it('should read properties of a destructured parameter', () => {
      expect(compileTemplate('bids:call:{callId}', scope).render([1, 2, { callId: 'c9' }])).toEqual({
        key: 'bids:call:c9',
      });
    });

    it('should accept strings, numbers, bigints and booleans', () => {
      const template = compileTemplate('x:{id}', scope);
      expect(template.render([12.5])).toEqual({ key: 'x:12.5' });
      expect(template.render([10n])).toEqual({ key: 'x:10' });
      expect(template.render([false])).toEqual({ key: 'x:false' });
    });

    it.each([
      ['undefined', undefined],
      ['null', null],
      ['an object', { id: 1 }],
      ['an empty string', ''],
      ['NaN', Number.NaN],
    ])('should refuse a placeholder that is %s', (reason, value) => {
      expect(compileTemplate('bid:{id}', scope).render([value])).toEqual({
        skip: { placeholder: '{id}', reason },
      });
    });

    it('should refuse a nested path through a missing object', () => {
      expect(compileTemplate('b:{buyer.id}', scope).render(['1', undefined])).toEqual({
        skip: { placeholder: '{buyer.id}', reason: 'undefined' },
      });
    });

    it('should read the result where allowed', () => {
      const template = compileTemplate('bid:{result.id}', { ...scope, allowResult: true });
      expect(template.usesResult).toBe(true);
      expect(template.render([], { id: 'r1' })).toEqual({ key: 'bid:r1' });
    });
  });

  describe('compile errors', () => {
    it('should name the class.method and the unknown placeholder', () => {
      expect(() => compileTemplate('bid:{bidId}', scope)).toThrow(CacheDecoratorError);
      expect(() => compileTemplate('bid:{bidId}', scope)).toThrow(
        /BidService\.find: key template "bid:\{bidId\}" uses \{bidId\}, but "bidId" is not a parameter of the method \(parameters: id, buyer, callId\)/,
      );
    });

    it('should refuse {result} before the method ran', () => {
      expect(() => compileTemplate('bid:{result.id}', scope)).toThrow(/"result" is not a parameter/);
    });

    it('should refuse malformed placeholders and braces', () => {
      expect(() => compileTemplate('bid:{}', scope)).toThrow(/not a name or a dotted path/);
      expect(() => compileTemplate('bid:{id-1}', scope)).toThrow(/not a name or a dotted path/);
      expect(() => compileTemplate('bid:{id', scope)).toThrow(/unbalanced brace/);
      expect(() => compileTemplate('', scope)).toThrow(/non-empty/);
    });
  });
});
