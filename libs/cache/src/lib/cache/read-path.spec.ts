import { createCache } from './create-cache';

/**
 * The `peek` handle path skips the expiry check while the coarse clock shows the time at which it last found
 * the entry fresh. Its own file: the shared clock must first be read under fake timers.
 */
describe('ReadPath', () => {
  describe('peekHandle()', () => {
    afterEach(() => jest.useRealTimers());

    it('should check the expiry again as soon as the coarse clock moves, and miss an expired entry', async () => {
      jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
      const cache = createCache({ metrics: false });
      const rules = cache.namespace<string>('rules');
      await rules.set('a', 'v', { ttl: '100ms' });
      expect(rules.peek('a')).toBe('v'); // remembers the L1 node
      expect(rules.peek('a')).toBe('v'); // through the node: found fresh at this clock tick
      // Past the TTL, but the clock's timer has not run: it still shows the time of its last reading (the
      // coarse clock's documented behaviour during one synchronous run).
      jest.setSystemTime(1_000_150);
      expect(rules.peek('a')).toBe('v');
      jest.advanceTimersByTime(1); // the clock's timer runs: the next read takes the new time
      expect(rules.peek('a')).toBeUndefined();
      await cache.disconnect();
    });

    it('should serve an overwrite made within the same clock tick, not what it read before', async () => {
      jest.useFakeTimers({ now: 2_000_000, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
      const cache = createCache({ metrics: false });
      const rules = cache.namespace<string>('rules');
      await rules.set('a', 'v1');
      expect(rules.peek('a')).toBe('v1');
      expect(rules.peek('a')).toBe('v1'); // through the node, kept for this tick
      await rules.set('a', 'v2'); // same node, same tick
      expect(rules.peek('a')).toBe('v2');
      await rules.delete('a');
      expect(rules.peek('a')).toBeUndefined();
      await cache.disconnect();
    });
  });
});
