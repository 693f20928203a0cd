import { parse } from 'node:querystring';
import { createQueryParser, QUERY_MEMO_MAX_LENGTH } from './query-parser';

describe(createQueryParser, () => {
  it('should answer what node:querystring answers, for a remembered query as for a new one', () => {
    const parseQuery = createQueryParser();
    for (const query of ['period=2026-01', 'a=1&a=2&b=%20x', '', 'x', 'a=1&a=2&b=%20x']) {
      expect(parseQuery(query)).toEqual(parse(query));
      expect(Object.getPrototypeOf(parseQuery(query))).toBeNull();
    }
  });

  it('should parse a repeated short query once', () => {
    const counted = jest.fn(parse);
    const parseQuery = createQueryParser(counted);
    for (let i = 0; i < 5; i++) parseQuery('period=2026-01');
    parseQuery('period=2026-02');
    expect(counted).toHaveBeenCalledTimes(2);
  });

  it('should hand each call its own object and arrays', () => {
    const parseQuery = createQueryParser();
    const first = parseQuery('states=CA&states=TX&limit=5');
    first['limit'] = 'changed';
    (first['states'] as string[]).push('NY');
    expect(parseQuery('states=CA&states=TX&limit=5')).toEqual({ states: ['CA', 'TX'], limit: '5' });
  });

  it('should parse a long query each time and still answer it right', () => {
    const parseQuery = createQueryParser();
    const query = `q=${'a'.repeat(QUERY_MEMO_MAX_LENGTH)}`;
    expect(parseQuery(query)).toEqual({ q: 'a'.repeat(QUERY_MEMO_MAX_LENGTH) });
  });
});
