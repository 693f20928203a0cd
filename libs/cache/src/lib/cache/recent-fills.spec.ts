import { RecentFills } from './recent-fills';

const keysOf = (fills: readonly { key: string }[]) => fills.map((fill) => fill.key);

describe('RecentFills', () => {
  afterEach(() => jest.useRealTimers());

  it('should match in-flight and recent fills by key, tag, prefix and all', () => {
    const fills = new RecentFills(1000, 100);
    fills.begin('p:a', ['t1']);
    fills.begin('p:b', undefined);
    fills.begin('q:c', ['t2']);
    fills.end('p:b');
    expect(keysOf(fills.matching({ type: 'keys', keys: ['p:a', 'p:b', 'p:z'] }))).toEqual(['p:a', 'p:b']);
    expect(keysOf(fills.matching({ type: 'tags', tags: ['t2'] }))).toEqual(['q:c']);
    expect(keysOf(fills.matching({ type: 'prefix', prefix: 'p:' }))).toEqual(['p:a', 'p:b']);
    expect(keysOf(fills.matching({ type: 'all' }))).toEqual(['p:a', 'p:b', 'q:c']);
  });

  it('should forget a finished fill after the window, but never one still in flight', () => {
    jest.useFakeTimers({ now: 0 });
    const fills = new RecentFills(1000, 100);
    fills.begin('slow', undefined);
    fills.begin('done', undefined);
    fills.end('done');
    jest.setSystemTime(1001);
    expect(keysOf(fills.matching({ type: 'all' }))).toEqual(['slow']);
  });

  it('should hand back the head each fill wrote, the newest fill of a key replacing an older one', () => {
    const fills = new RecentFills(1000, 100);
    fills.begin('a', undefined, '{"w":"1",');
    fills.begin('b', undefined);
    fills.begin('a', undefined, '{"w":"2",');
    expect(fills.matching({ type: 'keys', keys: ['a', 'b'] })).toEqual([
      { key: 'a', head: '{"w":"2",' },
      { key: 'b', head: undefined },
    ]);
  });

  it('should keep at most the newest fills', () => {
    const fills = new RecentFills(1000, 2);
    for (const key of ['a', 'b', 'c']) fills.begin(key, undefined);
    expect(keysOf(fills.matching({ type: 'all' }))).toEqual(['b', 'c']);
  });
});
