import { registerDriverContractSuite } from '../testing/driver-contract';
import { MemoryDriver } from './memory.driver';

registerDriverContractSuite(
  'memory',
  async () => ({ driver: new MemoryDriver(), prefix: 'contract:memory:' }),
  { tags: true, leases: true, compareAndDelete: true },
);

describe(MemoryDriver, () => {
  let now = 1_000_000;
  const clock = () => now;

  describe('get()', () => {
    it('should follow the injected clock for expiry', async () => {
      const driver = new MemoryDriver({ now: clock });
      await driver.set('k', 'v', 100);
      now += 99;
      expect(await driver.get('k')).toBe('v');
      now += 1;
      expect(await driver.get('k')).toBeUndefined();
    });
  });

  describe('set()', () => {
    it('should reject a TTL that is not a positive finite number', async () => {
      const driver = new MemoryDriver();
      for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(driver.set('k', 'v', ttl)).rejects.toMatchObject({ code: 'E_CACHE_INVALID_TTL' });
      }
      await expect(
        driver.setMany([
          { key: 'a', value: 'v', ttlMs: 10 },
          { key: 'b', value: 'v', ttlMs: 0 },
        ]),
      ).rejects.toThrow();
      expect(await driver.has('a')).toBe(false); // validated before writing any
    });
  });

  describe('size', () => {
    it('should count live entries only', async () => {
      const driver = new MemoryDriver({ now: clock });
      await driver.setMany([
        { key: 'a', value: '1', ttlMs: 10 },
        { key: 'b', value: '2', ttlMs: 1000 },
      ]);
      expect(driver.size).toBe(2);
      now += 10;
      expect(driver.size).toBe(1);
    });
  });

  describe('clear()', () => {
    it('should forget entries, tags and leases', async () => {
      const driver = new MemoryDriver();
      await driver.set('k', 'v', 1000);
      await driver.tags.add('k', ['t'], 1000);
      await driver.leases.acquire('k', 'token', 1000);
      driver.clear();
      expect(await driver.get('k')).toBeUndefined();
      expect(await driver.tags.take(['t'])).toEqual([]);
      expect(await driver.leases.isHeld('k')).toBe(false);
    });
  });

  describe('name', () => {
    it("should default to 'memory' and accept another name", () => {
      expect(new MemoryDriver().name).toBe('memory');
      expect(new MemoryDriver({ name: 'fake-l2' }).name).toBe('fake-l2');
    });
  });
});
