import { RecentReads } from './recent-reads';

describe(RecentReads, () => {
  afterEach(() => jest.useRealTimers());

  it('should report a key read within the window and forget it after', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const reads = new RecentReads(30_000, 10);
    reads.record('bid:a');
    expect(reads.wasRead('bid:a')).toBe(true);
    expect(reads.wasRead('bid:b')).toBe(false);
    // Noted at most a second late: counted for the window and that second.
    jest.setSystemTime(1_000_000 + 31_000);
    expect(reads.wasRead('bid:a')).toBe(true);
    jest.setSystemTime(1_000_000 + 31_001);
    expect(reads.wasRead('bid:a')).toBe(false);
  });

  it('should keep a key read again past a second of its note, and note a hot key once a second', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const reads = new RecentReads(30_000, 10);
    reads.record('bid:a');
    jest.setSystemTime(1_000_000 + 20_000);
    reads.record('bid:a');
    jest.setSystemTime(1_000_000 + 20_500);
    reads.record('bid:a'); // within a second of the last note: not moved, still noted at 20 s
    jest.setSystemTime(1_000_000 + 51_000);
    expect(reads.wasRead('bid:a')).toBe(true);
    jest.setSystemTime(1_000_000 + 51_001);
    expect(reads.wasRead('bid:a')).toBe(false);
  });

  it('should drop the key read longest ago once over its cap', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const reads = new RecentReads(30_000, 2);
    reads.record('a');
    reads.record('b');
    jest.setSystemTime(1_000_000 + 1_000);
    reads.record('a'); // read again a second later: now the newest
    reads.record('c');
    expect(reads.wasRead('a')).toBe(true);
    expect(reads.wasRead('b')).toBe(false);
    expect(reads.wasRead('c')).toBe(true);
  });
});
