import { RecentReads } from './recent-reads';

describe(RecentReads, () => {
  afterEach(() => jest.useRealTimers());

  it('should report a key read within the window and forget it after', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const reads = new RecentReads(30_000, 10);
    reads.record('bid:a');
    expect(reads.wasRead('bid:a')).toBe(true);
    expect(reads.wasRead('bid:b')).toBe(false);
    jest.setSystemTime(1_000_000 + 30_001);
    expect(reads.wasRead('bid:a')).toBe(false);
  });

  it('should drop the key read longest ago once over its cap', () => {
    const reads = new RecentReads(30_000, 2);
    reads.record('a');
    reads.record('b');
    reads.record('a'); // read again: now the newest
    reads.record('c');
    expect(reads.wasRead('a')).toBe(true);
    expect(reads.wasRead('b')).toBe(false);
    expect(reads.wasRead('c')).toBe(true);
  });
});
