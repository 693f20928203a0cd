import { Logger } from '@nestjs/common';
import { Registry } from 'prom-client';
import type { CacheOptions, L2Options } from '../cache/cache.types';
import { createCache, type TieredCache } from '../cache/create-cache';
import { InvalidOptionError } from '../core/errors';
import type { MetricsSink } from '../metrics/metrics-sink';
import { createRedisConnection, type RedisConnection } from '../redis-connection';
import type { CacheModuleOptions } from './interfaces/cache-module-options.interface';

/** Injection token of the {@link CacheResources} one `forRoot` builds (internal to the module). */
export const CACHE_RESOURCES = Symbol('platform.cache.resources');

/** What one `forRoot` builds from its options, shared by the module's providers. */
export interface CacheResources {
  readonly options: CacheModuleOptions;
  /** The root cache. */
  readonly cache: TieredCache;
  /** The registry served at `/metrics` (the cache's, or an empty one when its metrics go elsewhere). */
  readonly registry: Registry;
  /** Prefix and constant labels of the metrics the Nest layer adds next to the engine's. */
  readonly metricNames: { readonly prefix: string; readonly labels: Readonly<Record<string, string>> };
  /** What L2 is: nothing, a Redis client (`l2Client`), or a custom driver or cache-manager store. */
  readonly l2Kind: 'none' | 'redis' | 'driver';
  /** The Redis client behind L2, if any (for the health check). */
  readonly l2Client: RedisConnection | undefined;
  /** The client the module opened from `options.redis`, closed on shutdown. */
  readonly ownedClient: RedisConnection | undefined;
}

const logger = new Logger('PlatformCache');

const isSink = (option: unknown): option is MetricsSink =>
  typeof (option as MetricsSink | undefined)?.hit === 'function';

/** Builds the root cache (and the Redis client, when the options give connection settings). */
export function createCacheResources(options: CacheModuleOptions): CacheResources {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('CacheModule options: expected an object');
  }
  const { redis, service, edge: _edge, http: _http, connectTimeout: _timeout, ...engine } = options;
  if (service !== undefined && (typeof service !== 'string' || service === '')) {
    throw new InvalidOptionError('service: expected a non-empty string');
  }

  let ownedClient: RedisConnection | undefined;
  let l2: L2Options | false | undefined;
  if (redis !== undefined) {
    const common = engine.l2 === false || engine.l2 === undefined ? {} : engine.l2;
    if ('redis' in common || 'driver' in common || 'store' in common) {
      throw new InvalidOptionError(
        'redis: give either `redis` (connection settings) or an L2 backend in `l2`',
      );
    }
    ownedClient = openInBackground(createRedisConnection(redis));
    l2 = { ...common, redis: ownedClient };
  } else if (engine.l2 !== undefined && engine.l2 !== false) {
    if (!('redis' in engine.l2) && !('driver' in engine.l2) && !('store' in engine.l2)) {
      throw new InvalidOptionError(
        'l2: expected { redis }, { driver } or { store }, or give `redis` settings',
      );
    }
    l2 = engine.l2;
  } else {
    l2 = engine.l2;
  }

  const prefix = !isSink(engine.metrics) && engine.metrics ? (engine.metrics.prefix ?? 'cache_') : 'cache_';
  const labels = {
    ...(!isSink(engine.metrics) && engine.metrics ? engine.metrics.labels : undefined),
    ...(service !== undefined ? { service } : {}),
  };
  let registry: Registry;
  let metrics: CacheOptions['metrics'];
  if (engine.metrics === false || isSink(engine.metrics)) {
    registry = new Registry();
    metrics = engine.metrics;
  } else {
    registry = engine.metrics?.registry ?? new Registry();
    metrics = { registry, prefix, labels };
  }

  try {
    const cache = createCache({ ...engine, l2, metrics });
    const l2Client = l2 !== undefined && l2 !== false && 'redis' in l2 ? l2.redis : undefined;
    const l2Kind = l2 === undefined || l2 === false ? 'none' : l2Client !== undefined ? 'redis' : 'driver';
    return { options, cache, registry, metricNames: { prefix, labels }, l2Kind, l2Client, ownedClient };
  } catch (error) {
    ownedClient?.disconnect();
    throw error;
  }
}

/**
 * Starts connecting without waiting: a Redis outage must not stop the service from starting or serving what
 * the database can answer; the engine's breaker skips L2 meanwhile and ioredis keeps reconnecting.
 */
function openInBackground(client: RedisConnection): RedisConnection {
  let warned = false;
  client.on('error', (error: Error) => {
    if (warned) return;
    warned = true; // once per outage; reset when the client is ready again
    logger.warn(`Redis (cache L2) connection error: ${error.message}`);
  });
  client.on('ready', () => (warned = false));
  client.connect().catch(() => undefined); // reported by the 'error' listener
  return client;
}
