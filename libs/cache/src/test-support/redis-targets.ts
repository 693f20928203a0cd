import { randomUUID } from 'node:crypto';
import { connectRedis, createRedisConnection, type RedisConnection } from '../lib/redis-connection';

/** The two L2 topologies every engine integration spec runs against. */
export const REDIS_TARGETS = ['standalone', 'cluster'] as const;
/** One of {@link REDIS_TARGETS}. */
export type RedisTarget = (typeof REDIS_TARGETS)[number];

/** Opens a client on the local stack's Redis or Redis Cluster (see `npm run stack:up`). */
export async function openRedis(target: RedisTarget, connectionName?: string): Promise<RedisConnection> {
  const options = connectionName ? { connectionName } : undefined;
  const client =
    target === 'standalone'
      ? createRedisConnection({
          mode: 'standalone',
          url: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:16379',
          options,
        })
      : createRedisConnection({
          mode: 'cluster',
          nodes: (
            process.env['REDIS_CLUSTER_NODES'] ??
            Array.from({ length: 6 }, (_, i) => `127.0.0.1:${17001 + i}`).join(',')
          ).split(','),
          options,
        });
  return connectRedis(client, 10_000);
}

/** A key prefix no other test uses, so specs can share the stack's Redis without flushing it. */
export const uniquePrefix = (label: string) => `t:${label}:${randomUUID().slice(0, 8)}:`;

/** Polls `check` until it returns a value other than `undefined`/`false`, or fails after `timeoutMs`. */
export async function until<T>(
  check: () => Promise<T> | T,
  timeoutMs = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves after `ms`. */
export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
