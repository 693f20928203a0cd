import type { TieredCache } from '../lib/cache/create-cache';
import type { RedisConnection } from '../lib/redis-connection';
import { openRedis, type RedisTarget } from './redis-targets';

/**
 * Registers the hooks an engine spec needs on one Redis topology: one shared client for the suite, and every
 * cache the test tracks disconnected after it.
 */
export function useCacheFixture(target: RedisTarget) {
  let client: RedisConnection | undefined;
  const open: TieredCache[] = [];

  beforeAll(async () => {
    client = await openRedis(target);
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((cache) => cache.disconnect()));
  });

  afterAll(async () => {
    await client?.quit();
  });

  return {
    /** The suite's client (available from `beforeAll` on). */
    redis(): RedisConnection {
      if (client === undefined) throw new Error('useCacheFixture: the client is opened in beforeAll');
      return client;
    },
    /** Disconnects `cache` after the current test. */
    track(cache: TieredCache): TieredCache {
      open.push(cache);
      return cache;
    },
  };
}
