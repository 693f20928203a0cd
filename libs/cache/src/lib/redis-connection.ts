import { Cluster, ClusterNode, Redis, RedisOptions } from 'ioredis';

/** Where L2 lives: one Redis server, or a Redis Cluster given by its seed nodes. */
export type RedisConnectionOptions =
  | { mode: 'standalone'; url: string; options?: RedisOptions }
  | { mode: 'cluster'; nodes: string[]; options?: RedisOptions };

/** A connected client of either kind; ioredis gives both the same command API. */
export type RedisConnection = Redis | Cluster;

const parseNode = (node: string): ClusterNode => {
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
};

/**
 * Opens a Redis connection with production defaults: a bounded connect timeout, no offline queue
 * (a command on a dead connection fails at once instead of piling up), and auto-pipelining.
 */
export function createRedisConnection(config: RedisConnectionOptions): RedisConnection {
  const base: RedisOptions = {
    connectTimeout: 2000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    lazyConnect: true,
    ...config.options,
  };
  if (config.mode === 'standalone') return new Redis(config.url, base);
  return new Cluster(config.nodes.map(parseNode), {
    redisOptions: base,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    lazyConnect: true,
    // Cluster topology is learnt from the seeds; replicas may serve reads later (issue: engine).
    scaleReads: 'master',
    clusterRetryStrategy: (attempt) => Math.min(100 * attempt, 2000),
  });
}

/** Connects (the factory is lazy) and waits until the client is ready to take commands. */
export async function connectRedis(client: RedisConnection, timeoutMs = 5000): Promise<RedisConnection> {
  if (client.status === 'ready') return client;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis not ready after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.status === 'wait' ? client.connect() : waitReady(client), timeout]);
    return client;
  } finally {
    clearTimeout(timer);
  }
}

const waitReady = (client: RedisConnection) =>
  new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('end', () => reject(new Error('Redis connection ended')));
  });
