import { EventEmitter } from 'node:events';
import type { Cache as CacheManagerCache, Events as CacheManagerEvents } from 'cache-manager';
import type { Cache, GetOrSetOptions } from '../cache/cache.types';
import { InvalidOptionError } from '../core/errors';

/** Options of {@link toCacheManager}. */
export interface CacheManagerAdapterOptions {
  /** Returned by `cacheId()`. Default `'platform-cache'`. */
  readonly cacheId?: string;
  /** Called by `disconnect()` (e.g. the root cache's `disconnect`). Default: nothing. */
  readonly onDisconnect?: () => Promise<void>;
}

type WrapTtl<T> = number | ((value: T) => number) | undefined;
type WrapOptions<T> = { ttl?: WrapTtl<T>; refreshThreshold?: WrapTtl<T>; raw?: boolean };

const ttlOption = (ttl: number | undefined) => {
  if (ttl === undefined) return undefined;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
    throw new InvalidOptionError(`ttl: ${String(ttl)} is not a positive number of milliseconds`);
  }
  return ttl;
};

/**
 * Exposes a cache (usually a namespace) with cache-manager v7's `Cache` API, so code written for
 * `@Inject(CACHE_MANAGER)` keeps working on the tiered engine. TTLs are milliseconds, as in cache-manager;
 * a TTL shorter than the namespace's L1 TTL also caps L1. `wrap` gets our coalescing (in-process and, with
 * Redis, across processes) and maps `refreshThreshold` to a soft TTL. `stores` is empty: there are no Keyv
 * stores underneath.
 */
export function toCacheManager(
  cache: Cache<unknown>,
  options: CacheManagerAdapterOptions = {},
): CacheManagerCache {
  const emitter = new EventEmitter();
  const emit = <E extends keyof CacheManagerEvents>(event: E, data: Parameters<CacheManagerEvents[E]>[0]) => {
    if (emitter.listenerCount(event) > 0) emitter.emit(event, data);
  };
  const cacheId = options.cacheId ?? 'platform-cache';

  const adapter = {
    get: async <T>(key: string): Promise<T | undefined> => {
      const value = (await cache.get(key)) as T | undefined;
      emit('get', { key, value });
      return value;
    },
    mget: async <T>(keys: string[]): Promise<Array<T | undefined>> => {
      const value = (await cache.getMany(keys)) as Array<T | undefined>;
      emit('mget', { keys, value });
      return value;
    },
    ttl: async (key: string): Promise<number | undefined> => {
      const remaining = await cache.ttl(key);
      return remaining === undefined ? undefined : Date.now() + remaining;
    },
    set: async <T>(key: string, value: T, ttl?: number): Promise<T> => {
      const ms = ttlOption(ttl);
      await cache.set(key, value, ms === undefined ? undefined : { ttl: ms });
      emit('set', { key, value });
      return value;
    },
    mset: async <T>(list: Array<{ key: string; value: T; ttl?: number }>) => {
      await cache.setMany(
        list.map(({ key, value, ttl }) => {
          const ms = ttlOption(ttl);
          return { key, value, options: ms === undefined ? undefined : { ttl: ms } };
        }),
      );
      emit('mset', { list });
      return list;
    },
    del: async (key: string): Promise<boolean> => {
      await cache.delete(key);
      emit('del', { key });
      return true;
    },
    mdel: async (keys: string[]): Promise<boolean> => {
      await cache.deleteMany(keys);
      return true;
    },
    clear: async (): Promise<boolean> => {
      await cache.clear();
      emit('clear', undefined);
      return true;
    },
    on: <E extends keyof CacheManagerEvents>(event: E, listener: CacheManagerEvents[E]) =>
      emitter.on(event, listener as (...args: unknown[]) => void),
    off: <E extends keyof CacheManagerEvents>(event: E, listener: CacheManagerEvents[E]) =>
      emitter.off(event, listener as (...args: unknown[]) => void),
    disconnect: async (): Promise<undefined> => {
      await options.onDisconnect?.();
      return undefined;
    },
    cacheId: () => cacheId,
    stores: [],
    wrap: async <T>(
      key: string,
      fnc: () => T | Promise<T>,
      ttlOrOptions?: WrapTtl<T> | WrapOptions<T>,
      refreshThresholdArg?: WrapTtl<T>,
    ): Promise<unknown> => {
      const { ttl, refreshThreshold, raw } =
        ttlOrOptions !== null && typeof ttlOrOptions === 'object'
          ? ttlOrOptions
          : { ttl: ttlOrOptions, refreshThreshold: refreshThresholdArg, raw: false };
      const options: { -readonly [K in keyof GetOrSetOptions]: GetOrSetOptions[K] } = {};
      // Function TTLs depend on the value, which is unknown before loading: the namespace default applies.
      if (typeof ttl === 'number') options.ttl = ttlOption(ttl);
      if (typeof ttl === 'number' && typeof refreshThreshold === 'number' && refreshThreshold < ttl) {
        options.softTtl = ttl - refreshThreshold;
      }
      const value = (await cache.getOrSet(key, () => fnc(), options)) as T;
      if (!raw) return value;
      const remaining = await cache.ttl(key);
      return { value, expires: remaining === undefined ? undefined : Date.now() + remaining };
    },
  };
  return adapter as unknown as CacheManagerCache;
}
