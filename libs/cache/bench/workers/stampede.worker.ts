/**
 * Child process of scenario (d): fires `concurrency` concurrent `getOrSet` calls for one cold key at an agreed
 * wall-clock instant; every loader call INCRs a Redis counter so the parent counts loads across processes.
 */
import { type LibId, createAdapter } from '../adapters';
import { errorMessage, newRedis, sleep, wallNow } from '../common';
import { makeValue } from '../zipf';
import { type WorkerMessage, toParent, workerSetup } from './child';

interface StampedeConfig {
  lib: LibId;
  prefix: string;
  key: string;
  counterKey: string;
  concurrency: number;
  loaderMs: number;
}

async function main(): Promise<void> {
  const cfg = workerSetup<StampedeConfig>();
  const redis = await newRedis();
  const cache = await createAdapter(cfg.lib, { mode: 'tiered', topology: 'standalone', prefix: cfg.prefix });
  if (!cache.getOrSet) throw new Error(`${cfg.lib} has no getOrSet`);
  const getOrSet = cache.getOrSet.bind(cache);
  let localCalls = 0;
  const loader = async () => {
    localCalls++;
    const n = await redis.incr(cfg.counterKey);
    await sleep(cfg.loaderMs);
    return { ...makeValue(7), version: n };
  };

  process.on('message', async (m: WorkerMessage) => {
    if (m.type === 'stop') {
      await cache.close().catch(() => undefined);
      await redis.quit().catch(() => undefined);
      process.exit(0);
    }
    if (m.type !== 'go') return;
    const at = Number(m['at']);
    const wait = at - wallNow();
    if (wait > 5) await sleep(wait - 5);
    while (wallNow() < at) {
      // spin until the agreed instant so both processes start together
    }
    const started = wallNow();
    const results = await Promise.allSettled(
      Array.from({ length: cfg.concurrency }, () => getOrSet(cfg.key, loader)),
    );
    const versions = new Set<number>();
    let errors = 0;
    let firstError = '';
    for (const r of results) {
      if (r.status === 'fulfilled') {
        const v = r.value as { version?: number } | undefined;
        versions.add(typeof v?.version === 'number' ? v.version : -1);
      } else {
        errors++;
        firstError ||= errorMessage(r.reason);
      }
    }
    toParent({
      type: 'done',
      localCalls,
      versions: [...versions],
      errors,
      firstError,
      startSkewMs: started - at,
      ms: wallNow() - started,
    });
  });
  toParent({ type: 'ready', config: cache.config });
}

main().catch((e) => {
  toParent({ type: 'error', message: errorMessage(e) });
  setTimeout(() => process.exit(1), 50);
});
