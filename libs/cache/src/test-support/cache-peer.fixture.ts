/**
 * A second process for two-process integration tests: it runs its own cache instance on the same Redis and
 * obeys commands sent over IPC. Started with `forkCachePeer()`.
 */
import { createCache, type TieredCache } from '../lib/cache/create-cache';
import { openRedis, type RedisTarget } from './redis-targets';

type Command =
  | { id: number; cmd: 'init'; target: RedisTarget; prefix: string; instanceId: string }
  | { id: number; cmd: 'stampede'; key: string; concurrency: number; startAt: number; loadMs: number }
  | { id: number; cmd: 'get'; key: string }
  | { id: number; cmd: 'set'; key: string; value: unknown }
  | { id: number; cmd: 'exit' };

let cache: TieredCache | undefined;
let redis: Awaited<ReturnType<typeof openRedis>> | undefined;
let prefix = '';

const reply = (id: number, result: unknown, error?: string) => process.send?.({ id, result, error });

process.on('message', (message: Command) => {
  handle(message).then(
    (result) => reply(message.id, result),
    (error: Error) => reply(message.id, undefined, error.stack ?? String(error)),
  );
});

async function handle(message: Command): Promise<unknown> {
  switch (message.cmd) {
    case 'init': {
      prefix = message.prefix;
      redis = await openRedis(message.target);
      cache = createCache({
        prefix,
        l2: { redis },
        instanceId: message.instanceId,
        metrics: false,
        ttl: { l1: '5m', l2: '10m' },
      });
      await cache.connect();
      return process.pid;
    }
    case 'stampede': {
      const live = cache as TieredCache;
      const client = redis as NonNullable<typeof redis>;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, message.startAt - Date.now())));
      const loader = async () => {
        await client.incr(`${prefix}loads`);
        await new Promise((resolve) => setTimeout(resolve, message.loadMs));
        return { loadedBy: process.pid };
      };
      const values = await Promise.all(
        Array.from({ length: message.concurrency }, () => live.getOrSet(message.key, loader)),
      );
      return [...new Set(values.map((value) => JSON.stringify(value)))];
    }
    case 'get':
      return (cache as TieredCache).get(message.key);
    case 'set':
      await (cache as TieredCache).set(message.key, message.value);
      return true;
    case 'exit':
      await cache?.disconnect();
      await redis?.quit();
      setImmediate(() => process.exit(0));
      return true;
  }
}
