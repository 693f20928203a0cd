import { Cluster, ClusterNode, Redis, RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';

/** Who the client is to Redis: an ACL user (Redis 6+) and its password, or only the `default` user's password. */
export interface RedisAuthOptions {
  readonly username?: string;
  readonly password: string;
}

/** Credentials and TLS, the same for a standalone server and for every node of a Cluster. */
export interface RedisSecurityOptions {
  /** `AUTH` on every connection. Overrides any user info in `url`. */
  auth?: RedisAuthOptions | null;
  /** TLS (`ca`, `cert`, `key`, `servername`, as `tls.connect`); `{}` trusts Node's CAs. Absent or null: plain TCP. */
  tls?: ConnectionOptions | null;
}

/** Where L2 lives: one Redis server, or a Redis Cluster given by its seed nodes; `options` win over the rest. */
export type RedisConnectionOptions = RedisSecurityOptions &
  (
    | { mode: 'standalone'; url: string; options?: RedisOptions }
    | { mode: 'cluster'; nodes: string[]; options?: RedisOptions }
  );

/** A connected client of either kind; ioredis gives both the same command API. */
export type RedisConnection = Redis | Cluster;

const parseNode = (node: string): ClusterNode => {
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
};

/**
 * Opens a Redis connection with production defaults: a bounded connect timeout, no offline queue
 * (a command on a dead connection fails at once instead of piling up), and auto-pipelining. `auth` and `tls`
 * apply to the standalone server or to every Cluster node (and to connections duplicated from the client, such
 * as the invalidation bus's subscriber).
 */
export function createRedisConnection(config: RedisConnectionOptions): RedisConnection {
  const base: RedisOptions = {
    connectTimeout: 2000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    lazyConnect: true,
    ...(config.auth ? { username: config.auth.username, password: config.auth.password } : {}),
    ...(config.tls ? { tls: config.tls } : {}),
    ...config.options,
  };
  if (config.mode === 'standalone') {
    // ioredis lets the URL's user info win over the options: given auth, the URL's is dropped.
    return new Redis(config.auth ? withoutUserInfo(config.url) : config.url, base);
  }
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

/** `url` without user info. */
function withoutUserInfo(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}

/**
 * Connects (the factory is lazy) and waits until the client is ready to take commands. Rejects with the first
 * connection error (a refused password, an untrusted certificate, a reset from a TLS-only port…) rather than
 * waiting out the timeout while ioredis retries.
 */
export async function connectRedis(client: RedisConnection, timeoutMs = 5000): Promise<RedisConnection> {
  if (client.status === 'ready') return client;
  let timer: NodeJS.Timeout | undefined;
  let onError: ((error: Error) => void) | undefined;
  const failed = new Promise<Error>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis not ready after ${timeoutMs} ms`)), timeoutMs);
    onError = resolve;
    client.on('error', onError);
    // A Cluster reports each node's failure here, and only a summary as 'error'.
    client.on('node error', onError);
  });
  let error: Error | undefined;
  try {
    error = await Promise.race([
      (client.status === 'wait' ? client.connect() : waitReady(client)).then(() => undefined),
      failed,
    ]);
  } finally {
    clearTimeout(timer);
    if (onError !== undefined) {
      client.off('error', onError);
      client.off('node error', onError);
    }
  }
  if (error === undefined) return client;
  throw await connectionError(client, error);
}

/** `error` with the server it came from and, for a reset plain-text connection, the likely reason. */
async function connectionError(client: RedisConnection, error: Error): Promise<Error> {
  let cause = error;
  if (client instanceof Cluster && error.message === CONNECTION_CLOSED) {
    // The Cluster refreshes its topology on a private connection whose own error (a TLS failure, a reset) it
    // drops, reporting only that the connection closed: connect once to a seed to learn why.
    cause = (await probeSeed(client)) ?? error;
  }
  const options = client instanceof Cluster ? client.options.redisOptions : client.options;
  const where =
    client instanceof Cluster ? 'Redis Cluster' : `Redis ${client.options.host}:${client.options.port}`;
  const hint =
    (cause as NodeJS.ErrnoException).code === 'ECONNRESET' && !options?.tls
      ? ' (a TLS-only server resets plain-text connections: is TLS on?)'
      : '';
  return new Error(`${where}: connection failed: ${cause.message}${hint}`, { cause });
}

const CONNECTION_CLOSED = 'Connection is closed.';

/** The first error of one connection attempt to a node of the Cluster (a seed), with the nodes' options. */
async function probeSeed(cluster: Cluster): Promise<Error | undefined> {
  const seed = cluster.nodes('all')[0];
  if (seed === undefined) return undefined;
  const probe = new Redis({
    ...cluster.options.redisOptions,
    host: seed.options.host,
    port: seed.options.port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  const outcome = new Promise<Error | undefined>((resolve) => {
    probe.once('error', resolve);
    probe.once('ready', () => resolve(undefined));
    probe.once('end', () => resolve(undefined));
  });
  probe.connect().catch(() => undefined);
  const error = await outcome;
  probe.disconnect();
  return error;
}

const waitReady = (client: RedisConnection) =>
  new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('end', () => reject(new Error('Redis connection ended')));
  });
