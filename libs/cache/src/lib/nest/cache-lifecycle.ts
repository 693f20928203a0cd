import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { toMs } from '../core/duration';
import type { RedisConnection } from '../redis-connection';
import { CacheDecoratorsExplorer } from './cache-decorators.explorer';
import { CACHE_RESOURCES, type CacheResources } from './cache-resources';

const RETRY_MS = 5000;

/**
 * Starts the module: binds the decorated methods, then connects the cache (waits for its Redis client, then
 * subscribes the L1 invalidation bus). On shutdown it disconnects the cache and closes the client the module
 * opened; clients handed in through `l2: { redis }` are left open.
 */
@Injectable()
export class CacheLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('PlatformCache');
  private connected: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly stop = new AbortController();

  constructor(
    @Inject(CACHE_RESOURCES) private readonly resources: CacheResources,
    private readonly explorer: CacheDecoratorsExplorer,
  ) {}

  /**
   * Binds the decorators (a bad declaration throws here, before anything connects), then waits for Redis and
   * the bus up to `connectTimeout`. Past it the application starts anyway — a Redis outage must not keep a
   * service down that its database can serve — and connecting goes on in the background; meanwhile L2 is
   * skipped and L1 entries live at most their L1 TTL without cross-instance invalidation.
   */
  async onModuleInit(): Promise<void> {
    this.explorer.explore();
    const timeoutMs = toMs(this.resources.options.connectTimeout ?? '5s', 'connectTimeout');
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      this.connect().then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!inTime) {
      this.logger.warn(
        `Cache L2 not ready after ${timeoutMs} ms: starting without it, connecting in the background`,
      );
    }
  }

  /** Disconnects the cache, then closes the Redis client the module opened. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.stop.abort();
    clearTimeout(this.retry);
    await this.resources.cache.disconnect();
    const owned = this.resources.ownedClient;
    if (owned !== undefined) await close(owned);
  }

  /**
   * Resolves once the client is ready and the bus subscribed; a failed attempt is retried every
   * {@link RETRY_MS} until it succeeds or the application stops.
   */
  private connect(): Promise<void> {
    this.connected ??= this.attempt();
    return this.connected;
  }

  private async attempt(): Promise<void> {
    for (;;) {
      try {
        const client = this.resources.l2Client;
        // A client nobody asked to connect ('wait') is connected by the bus itself.
        if (client !== undefined && client.status !== 'wait') await ready(client, this.stop.signal);
        if (this.stopped) break;
        await this.resources.cache.connect();
        return;
      } catch (error) {
        if (this.stopped) break;
        this.logger.warn(
          `Cache invalidation bus failed to start (${(error as Error).message}); retrying in ${RETRY_MS} ms`,
        );
        await new Promise<void>((resolve) => {
          this.retry = setTimeout(resolve, RETRY_MS);
          this.retry.unref();
        });
      }
    }
    await new Promise<void>(() => undefined); // stopped before connecting: never "connected"
  }
}

/** Resolves once the client is ready, or when `signal` aborts (ioredis keeps reconnecting meanwhile). */
function ready(client: RedisConnection, signal: AbortSignal): Promise<void> {
  if (client.status === 'ready' || signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      client.off('ready', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    client.once('ready', done);
    signal.addEventListener('abort', done);
  });
}

/** QUITs the client and waits (at most 2 s, then drops the socket) until it has ended. */
async function close(client: RedisConnection): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect(); // nothing to flush: stop reconnecting now
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const ended = new Promise<void>((resolve) => {
    client.once('end', () => resolve());
    timer = setTimeout(resolve, 2000);
  });
  client.quit().catch(() => client.disconnect());
  await ended;
  clearTimeout(timer);
  if ((client.status as string) !== 'end') client.disconnect();
}
