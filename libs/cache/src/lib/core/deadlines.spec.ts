import { Deadlines } from './deadlines';

describe(Deadlines, () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('should expire each call once its own duration has passed, with one timer for all of them', () => {
    const deadlines = new Deadlines(100);
    const expired: string[] = [];
    deadlines.add(() => expired.push('a'));
    jest.advanceTimersByTime(40);
    deadlines.add(() => expired.push('b'));
    deadlines.add(() => expired.push('c'));
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(59);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['a']);
    jest.advanceTimersByTime(39);
    expect(expired).toEqual(['a']);
    jest.advanceTimersByTime(1);
    expect(expired).toEqual(['a', 'b', 'c']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('should never expire a call that is done, and wait for the next one still running', () => {
    const deadlines = new Deadlines(100);
    const expired: string[] = [];
    const doneA = deadlines.add(() => expired.push('a'));
    jest.advanceTimersByTime(50);
    deadlines.add(() => expired.push('b'));
    doneA();
    doneA();
    jest.advanceTimersByTime(60);
    expect(expired).toEqual([]);
    jest.advanceTimersByTime(40);
    expect(expired).toEqual(['b']);
  });

  it('should keep no timer once every call is done', () => {
    const deadlines = new Deadlines(100);
    const dones = [deadlines.add(() => undefined), deadlines.add(() => undefined)];
    expect(jest.getTimerCount()).toBe(1);
    for (const done of dones) done();
    expect(jest.getTimerCount()).toBe(0);
    const expired: string[] = [];
    deadlines.add(() => expired.push('later'));
    jest.advanceTimersByTime(100);
    expect(expired).toEqual(['later']);
  });

  it('should not lose calls across many settled ones (queue compaction)', () => {
    const deadlines = new Deadlines(10);
    let expired = 0;
    for (let round = 0; round < 5; round++) {
      const keep = deadlines.add(() => expired++);
      for (let i = 0; i < 3000; i++) deadlines.add(() => expired++)();
      jest.advanceTimersByTime(10);
      void keep;
    }
    expect(expired).toBe(5);
    expect(jest.getTimerCount()).toBe(0);
  });
});
