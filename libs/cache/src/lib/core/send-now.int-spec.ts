import { randomUUID } from 'node:crypto';
import { RedisDriver } from '../drivers/redis.driver';
import { connectRedis, createRedisConnection } from '../redis-connection';
import { sendNow } from './send-now';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:16379';

/** Against the real standalone Redis of the stack, on the auto-pipelined connection the engine uses. */
describe('sendNow()', () => {
  const prefix = `send-now:${randomUUID()}:`;
  const open = () => connectRedis(createRedisConnection({ mode: 'standalone', url: REDIS_URL }));

  it('should write at once on an idle auto-pipelined connection, and defer while commands wait for the flush', async () => {
    const redis = await open();
    try {
      expect(redis.options.enableAutoPipelining).toBe(true);
      const direct = sendNow(redis, 'set', [`${prefix}a`, 'now', 'PX', 60_000]);
      expect(direct).toBeInstanceOf(Promise);
      expect(await direct).toBe('OK');
      const queued = redis.set(`${prefix}b`, 'queued', 'PX', 60_000);
      expect(sendNow(redis, 'set', [`${prefix}a`, 'later', 'PX', 60_000])).toBeUndefined();
      await queued;
      expect(await redis.get(`${prefix}a`)).toBe('now');
    } finally {
      await redis.del(`${prefix}a`, `${prefix}b`);
      await redis.quit();
    }
  });

  it('should keep the order of the connection: a set never overtakes an earlier one still waiting', async () => {
    const redis = await open();
    const driver = new RedisDriver(redis);
    const key = `${prefix}ordered`;
    try {
      for (let i = 0; i < 20; i++) {
        // The first set waits for the auto-pipeline flush; the driver's set comes after it and must land last.
        const first = redis.set(key, `old${i}`, 'PX', 60_000);
        const second = driver.set(key, `new${i}`, 60_000);
        await Promise.all([first, second]);
        expect(await redis.get(key)).toBe(`new${i}`);
        // And from an idle connection: the driver's write goes at once, a later queued one still lands after.
        const direct = driver.set(key, `direct${i}`, 60_000);
        const after = redis.set(key, `after${i}`, 'PX', 60_000);
        await Promise.all([direct, after]);
        expect(await redis.get(key)).toBe(`after${i}`);
      }
      expect(await driver.delete(key)).toBe(true);
      expect(await driver.delete(key)).toBe(false);
    } finally {
      await redis.del(key);
      await redis.quit();
    }
  });
});
