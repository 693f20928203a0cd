import { Logger, Provider } from '@nestjs/common';
import { createRedisConnection, RedisConnection } from '@platform/cache';
import type { ServiceConfig } from '@platform/config';
import { REDIS_CLUSTER_CONNECTION, REDIS_CONNECTION, SERVICE_CONFIG } from '../service-kit.constants';

const logger = new Logger('Redis');

/**
 * Starts connecting without waiting: a Redis outage must not stop the service from booting or serving
 * what Postgres can answer. Readiness reports the outage; ioredis keeps reconnecting.
 */
const connectInBackground = (client: RedisConnection, label: string): RedisConnection => {
  client.on('error', (error: Error) => logger.warn({ err: error.message, label }, 'Redis connection error'));
  client
    .connect()
    .catch((error: Error) => logger.warn({ err: error.message, label }, 'Redis not reachable yet'));
  return client;
};

/** Providers for the standalone Redis connection and, when configured, the Redis Cluster connection. */
export const redisProviders: Provider[] = [
  {
    provide: REDIS_CONNECTION,
    inject: [SERVICE_CONFIG],
    useFactory: (config: ServiceConfig) =>
      connectInBackground(createRedisConnection({ mode: 'standalone', url: config.redis.url }), 'standalone'),
  },
  {
    provide: REDIS_CLUSTER_CONNECTION,
    inject: [SERVICE_CONFIG],
    useFactory: (config: ServiceConfig) =>
      config.redis.clusterNodes.length === 0
        ? null
        : connectInBackground(
            createRedisConnection({ mode: 'cluster', nodes: config.redis.clusterNodes }),
            'cluster',
          ),
  },
];
