/**
 * Child process of scenario (e). Role `writer`: sets/deletes keys on command and reports the wall-clock instant
 * of each call. Role `reader`: loads keys into its L1 on command, then reports the instant its library has
 * applied the bus message that evicts them (same machine clock: `performance.timeOrigin + performance.now()`).
 */
import { type LibId, createAdapter } from '../adapters';
import { errorMessage, wallNow } from '../common';
import { makeValue } from '../zipf';
import { type WorkerMessage, toParent, workerSetup } from './child';

interface InvalidationConfig {
  lib: LibId;
  role: 'reader' | 'writer';
  prefix: string;
}

/** The bench key inside a full key from a bus message (prefix/namespace applied); bench keys have no ':'. */
const shortKey = (full: string) => full.slice(full.lastIndexOf(':') + 1);

async function main(): Promise<void> {
  const cfg = workerSetup<InvalidationConfig>();
  const cache = await createAdapter(cfg.lib, { mode: 'tiered', topology: 'standalone', prefix: cfg.prefix });

  // Reader bookkeeping: bus messages received per bench key, and who waits for the n-th one.
  const seen = new Map<string, number[]>();
  const waiters = new Map<string, { n: number; resolve: (t: number) => void }>();
  let lastHit: { key: string; layer: 'l1' | 'l2' } | undefined;
  if (cfg.role === 'reader') {
    if (!cache.onRemoteInvalidation) throw new Error(`${cfg.lib} has no invalidation bus`);
    cache.onRemoteInvalidation((keys) => {
      const t = wallNow();
      for (const full of keys) {
        const key = shortKey(full);
        const times = seen.get(key) ?? [];
        times.push(t);
        seen.set(key, times);
        const w = waiters.get(key);
        if (w && times.length >= w.n) {
          waiters.delete(key);
          w.resolve(times[w.n - 1]);
        }
      }
    });
    cache.onHit?.((key, layer) => {
      lastHit = { key, layer };
    });
  }
  /** Resolves with the receive time of the n-th bus message naming `key`, or NaN after `ms`. */
  const nthMessage = (key: string, n: number, ms: number) =>
    new Promise<number>((resolve) => {
      const times = seen.get(key) ?? [];
      if (times.length >= n) return resolve(times[n - 1]);
      const timer = setTimeout(() => {
        waiters.delete(key);
        resolve(Number.NaN);
      }, ms);
      waiters.set(key, {
        n,
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
      });
    });

  process.on('message', async (m: WorkerMessage) => {
    try {
      const key = String(m['key'] ?? '');
      switch (m.type) {
        case 'stop':
          await cache.close().catch(() => undefined);
          process.exit(0);
          break;
        case 'set':
          await cache.set(key, { ...makeValue(1), version: Number(m['version']) });
          toParent({ type: 'setDone', key });
          break;
        case 'load': {
          // Reader: wait for the bus message of the writer's set, so it cannot evict what we load now.
          const prep = await nthMessage(key, 1, 500);
          await cache.get(key); // L2 hit, back-fills L1
          lastHit = undefined;
          const v = (await cache.get(key)) as { version?: number } | undefined;
          // (`lastHit` is written by the hit listener during the awaited get; TS cannot see that.)
          const hit = lastHit as { layer: 'l1' | 'l2' } | undefined;
          const inL1 = cache.onHit ? hit?.layer === 'l1' : null;
          // The next bus message naming the key after L1 was filled is the writer's invalidation.
          const armed = nthMessage(key, (seen.get(key)?.length ?? 0) + 1, 1000);
          toParent({ type: 'loaded', key, inL1, version: v?.version ?? null, prepSeen: !Number.isNaN(prep) });
          const t = await armed;
          // After the measurement: what does a read return now (new version for set, undefined for delete)?
          const after = (await cache.get(key)) as { version?: number } | undefined;
          toParent({ type: 'evicted', key, t: Number.isNaN(t) ? null : t, after: after?.version ?? null });
          seen.delete(key);
          break;
        }
        case 'invalidate': {
          const mode = String(m['mode']);
          const t0 = wallNow();
          if (mode === 'delete') {
            if (!cache.delete) throw new Error('no delete');
            await cache.delete(key);
          } else {
            await cache.set(key, { ...makeValue(1), version: Number(m['version']) });
          }
          toParent({ type: 'invalidated', key, t0, callMs: wallNow() - t0 });
          break;
        }
      }
    } catch (e) {
      toParent({ type: 'error', message: errorMessage(e) });
    }
  });
  toParent({ type: 'ready', config: cache.config });
}

main().catch((e) => {
  toParent({ type: 'error', message: errorMessage(e) });
  setTimeout(() => process.exit(1), 50);
});
