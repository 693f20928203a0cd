import { Logger, Provider } from '@nestjs/common';
import {
  connectRedis,
  createRedisConnection,
  RedisConnection,
  RedisConnectionOptions,
} from '@platform/cache';
import { isCredentialsError, type ServiceConfig } from '@platform/config';
import type { ConnectionOptions } from 'node:tls';
import { REDIS_CLUSTER_CONNECTION, REDIS_CONNECTION, SERVICE_CONFIG } from '../service-kit.constants';

const logger = new Logger('Redis');

/** A Redis connection refused for its credentials or TLS settings at boot: the service must not start. */
export class RedisCredentialsError extends Error {
  /** Stable code for logs and alerts. */
  readonly code = 'REDIS.CREDENTIALS_REJECTED';

  constructor(label: string, where: string, cause: Error) {
    super(
      `Redis (${label}, ${where}) rejected the connection: ${cause.message.replace(/\.$/, '')}. Check REDIS_USERNAME, ` +
        'REDIS_PASSWORD(_FILE) and REDIS_TLS*.',
      { cause },
    );
    this.name = 'RedisCredentialsError';
  }
}

/**
 * The connection settings of the service's standalone Redis or its Cluster: the address from config plus the
 * same ACL user, password and TLS for both (and so for every Cluster node). Used for every Redis client the
 * service opens (its own, the cache's L2 and, duplicated from them, the invalidation bus's subscribers).
 */
export function redisConnectionOptions(
  config: ServiceConfig,
  mode: 'standalone' | 'cluster',
): RedisConnectionOptions {
  const { auth, tls } = config.redis;
  const tlsOptions: ConnectionOptions | null =
    tls === null
      ? null
      : Object.fromEntries(
          Object.entries({
            ca: tls.ca?.pem,
            cert: tls.cert?.pem,
            key: tls.key?.pem,
            servername: tls.servername,
          }).filter(([, value]) => value !== undefined),
        );
  const security = { auth, tls: tlsOptions };
  return mode === 'cluster'
    ? { mode, nodes: config.redis.clusterNodes, ...security }
    : { mode, url: config.redis.url, ...security };
}

/** How long boot waits for a first connection before going on without Redis. */
const FIRST_CONNECT_TIMEOUT_MS = 5000;

/**
 * Connects and waits for the first outcome: a refused password, ACL user or certificate stops the boot with an
 * error naming Redis; any other failure (Redis down) does not — a Redis outage must not stop the service from
 * booting or serving what Postgres can answer. Readiness reports the outage; ioredis keeps reconnecting.
 */
const connect = async (client: RedisConnection, label: string, where: string): Promise<RedisConnection> => {
  client.on('error', (error: Error) => logger.warn({ err: error.message, label }, 'Redis connection error'));
  try {
    await connectRedis(client, FIRST_CONNECT_TIMEOUT_MS);
  } catch (error) {
    const cause = ((error as Error).cause as Error | undefined) ?? (error as Error);
    if (isCredentialsError(cause)) {
      client.disconnect();
      throw new RedisCredentialsError(label, where, cause);
    }
    logger.warn({ err: (error as Error).message, label }, 'Redis not reachable yet');
  }
  return client;
};

/** Providers for the standalone Redis connection and, when configured, the Redis Cluster connection. */
export const redisProviders: Provider[] = [
  {
    provide: REDIS_CONNECTION,
    inject: [SERVICE_CONFIG],
    useFactory: (config: ServiceConfig) =>
      connect(
        createRedisConnection(redisConnectionOptions(config, 'standalone')),
        'standalone',
        config.redis.url,
      ),
  },
  {
    provide: REDIS_CLUSTER_CONNECTION,
    inject: [SERVICE_CONFIG],
    useFactory: (config: ServiceConfig) =>
      config.redis.clusterNodes.length === 0
        ? null
        : connect(
            createRedisConnection(redisConnectionOptions(config, 'cluster')),
            'cluster',
            config.redis.clusterNodes.join(','),
          ),
  },
];
