import { CoarseClock } from './coarse-clock';

describe('CoarseClock', () => {
  describe('now()', () => {
    afterEach(() => jest.useRealTimers());

    it('should cache Date.now() until the next timer tick, then read it again', () => {
      jest.useFakeTimers({ now: 5_000 });
      const clock = new CoarseClock();
      expect(clock.now()).toBe(5_000);
      jest.setSystemTime(9_000);
      expect(clock.now()).toBe(5_000);
      jest.advanceTimersByTime(1);
      expect(clock.now()).toBe(9_001);
    });
  });
});
