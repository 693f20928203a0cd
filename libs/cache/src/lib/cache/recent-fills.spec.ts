import { RecentFills } from './recent-fills';

describe('RecentFills', () => {
  afterEach(() => jest.useRealTimers());

  it('should match in-flight and recent fills by key, tag, prefix and all', () => {
    const fills = new RecentFills(1000, 100);
    fills.begin('p:a', ['t1']);
    fills.begin('p:b', undefined);
    fills.begin('q:c', ['t2']);
    fills.end('p:b');
    expect(fills.matching({ type: 'keys', keys: ['p:a', 'p:b', 'p:z'] })).toEqual(['p:a', 'p:b']);
    expect(fills.matching({ type: 'tags', tags: ['t2'] })).toEqual(['q:c']);
    expect(fills.matching({ type: 'prefix', prefix: 'p:' })).toEqual(['p:a', 'p:b']);
    expect(fills.matching({ type: 'all' })).toEqual(['p:a', 'p:b', 'q:c']);
  });

  it('should forget a finished fill after the window, but never one still in flight', () => {
    jest.useFakeTimers({ now: 0 });
    const fills = new RecentFills(1000, 100);
    fills.begin('slow', undefined);
    fills.begin('done', undefined);
    fills.end('done');
    jest.setSystemTime(1001);
    expect(fills.matching({ type: 'all' })).toEqual(['slow']);
  });

  it('should keep at most the newest fills', () => {
    const fills = new RecentFills(1000, 2);
    for (const key of ['a', 'b', 'c']) fills.begin(key, undefined);
    expect(fills.matching({ type: 'all' })).toEqual(['b', 'c']);
  });
});
