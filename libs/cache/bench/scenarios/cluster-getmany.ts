/**
 * (c) `getMany` of 100 keys on Redis Cluster: does each library's batch read work across slots, and how fast.
 * Also checks each library's batch delete on Cluster (keys left behind are counted with SCAN on every master).
 */
import { performance } from 'node:perf_hooks';
import type { BenchCache, LibId } from '../adapters';
import type { ResultRow, ScenarioResult } from '../bench-types';
import { errorMessage, forEachLimit, measure, withTimeout } from '../common';
import { type BenchContext, failedRow, withAdapter } from './context';

const LIBS: LibId[] = ['ours', 'bentocache', 'cache-manager-v7', 'cache-manager-v5', 'cacheable', 'ioredis'];
const BATCH = 100;

/** Runs scenario (c). */
export async function runClusterGetMany(ctx: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const rows: ResultRow[] = [];
  const notes: string[] = [];
  if (!ctx.cluster) {
    return {
      id: 'c',
      title: '(c) getMany of 100 keys on Redis Cluster',
      method: 'skipped',
      metric: 'getMany/s',
      rows: [],
      targets: [],
      notes: ['Redis Cluster unreachable: start it with `bash scripts/stack/stack.sh up cluster`.'],
      durationMs: 0,
    };
  }
  const cluster = ctx.cluster;
  const keys = ctx.keys.slice(0, BATCH);

  for (const lib of LIBS) {
    ctx.log(`(c) cluster getMany: ${lib}`);
    let config = '';
    try {
      await withAdapter(ctx, lib, { mode: 'l2', topology: 'cluster', tag: 'c' }, async (cache, prefix) => {
        config = cache.config;
        // First use of a fresh client: 100 concurrent sets, then count what reads back (a connect race
        // loses writes silently in some clients). Then seed again normally for the getMany test.
        let coldLost: number | string;
        try {
          await withTimeout(Promise.all(keys.map((k, i) => cache.set(k, ctx.values[i]))), 10_000, 'cold set');
          const back = await withTimeout(Promise.all(keys.map((k) => cache.get(k))), 10_000, 'get');
          coldLost = BATCH - countCorrect(ctx, back);
        } catch (e) {
          coldLost = `error: ${errorMessage(e)}`;
        }
        await forEachLimit(keys, 16, (k, i) => cache.set(k, ctx.values[i]));
        const batch = await batchRow(ctx, lib, cache, keys);
        batch.extra = { ...batch.extra, 'lost of 100 cold concurrent sets': coldLost };
        if (lib !== 'ioredis') rows.push(batch);
        if (lib === 'bentocache' || lib === 'ioredis') {
          // Workaround / floor: 100 concurrent single gets (ioredis pipelines them per node).
          const fanout = (ks: string[]) => Promise.all(ks.map((k) => cache.get(k)));
          const check = await fanout(keys);
          const good = countCorrect(ctx, check);
          const res = await measure(ctx.timing, 1, () => fanout(keys));
          rows.push({
            lib: `${lib}-fanout`,
            label: `${cache.label}: ${BATCH} × get via Promise.all`,
            config,
            status: good === BATCH ? 'ok' : 'error',
            error: good === BATCH ? undefined : `${good}/${BATCH} correct values`,
            opsPerSec: res.opsPerSec,
            rounds: res.rounds,
            role: lib === 'ioredis' ? 'floor' : 'peer',
            extra: { keysPerSec: Math.round(res.opsPerSec * BATCH) },
          });
        }
        // Batch delete on Cluster (peers.md: BentoCache's deleteMany fails there and swallows the error).
        const row = rows.find((r) => r.lib === lib || (lib === 'ioredis' && r.lib === 'ioredis-fanout'));
        if (row && cache.deleteMany) {
          let outcome = 'ok';
          try {
            await withTimeout(cache.deleteMany(keys), 5000, 'deleteMany');
          } catch (e) {
            outcome = `error: ${errorMessage(e)}`;
          }
          const left = await countKeys(cluster, `${prefix}*`);
          row.extra = { ...row.extra, deleteMany: outcome, 'keys left after deleteMany': left };
        } else if (row) {
          row.extra = { ...row.extra, deleteMany: 'n/a (no batch delete API)' };
        }
      });
    } catch (e) {
      if (!rows.some((r) => r.lib === lib)) rows.push(failedRow(lib, config, e));
    }
  }
  notes.push(await bentoTieredDeleteMany(ctx, cluster, keys));
  notes.push(
    `${BATCH} keys without hash tags (so spread over all 3 masters), 1 KB values, L1 off for every library ` +
      'so the batch reaches Redis; each library wrote the keys with its own set first.',
    'Result correctness is checked before timing: "works" means all 100 values came back equal to what was set.',
    'BentoCache 1.6.1 has no getMany/mget; its row shows n/a and a workaround row times 100 concurrent gets.',
    '"lost of 100 cold concurrent sets": 100 sets fired at once on the freshly created client, then read ' +
      'back with single gets; writes that did not land were lost without any error reaching the caller.',
  );
  return {
    id: 'c',
    title: '(c) getMany of 100 keys on Redis Cluster (3 masters)',
    method: `median of ${ctx.timing.rounds} × ${ctx.timing.roundMs} ms rounds, one batch in flight (c=1)`,
    metric: 'getMany/s',
    rows,
    targets: [
      {
        text: 'ours: getMany of 100 cross-slot keys works on Cluster',
        unit: 'ok',
        required: 1,
        actual: rows.find((r) => r.lib === 'ours')?.status === 'ok' ? 1 : 0,
        pass:
          rows.find((r) => r.lib === 'ours')?.status === 'ok'
            ? true
            : rows.find((r) => r.lib === 'ours')?.status === 'error'
              ? false
              : null,
      },
    ],
    notes,
    durationMs: performance.now() - started,
  };
}

async function batchRow(
  ctx: BenchContext,
  lib: LibId,
  cache: BenchCache,
  keys: string[],
): Promise<ResultRow> {
  const base = {
    lib,
    label: cache.label,
    config: cache.config,
    role: lib === 'ours' ? 'ours' : 'peer',
  } as const;
  if (!cache.getMany) return { ...base, status: 'n/a', error: 'no batch get API (getMany/mget)' };
  let values: unknown[];
  try {
    values = await withTimeout(cache.getMany(keys), 5000, 'getMany');
  } catch (e) {
    return { ...base, status: 'error', error: errorMessage(e) };
  }
  const good = countCorrect(ctx, values);
  if (good !== keys.length) {
    return { ...base, status: 'error', error: `wrong result: ${good}/${keys.length} values correct` };
  }
  const getMany = cache.getMany.bind(cache);
  const res = await measure(ctx.timing, 1, () => getMany(keys));
  return {
    ...base,
    status: 'ok',
    opsPerSec: res.opsPerSec,
    rounds: res.rounds,
    extra: { keysPerSec: Math.round(res.opsPerSec * keys.length) },
  };
}

function countCorrect(ctx: BenchContext, values: readonly unknown[]): number {
  let good = 0;
  values.forEach((v, i) => {
    if (v && typeof v === 'object' && JSON.stringify(v) === JSON.stringify(ctx.values[i])) good++;
  });
  return good;
}

async function countKeys(cluster: NonNullable<BenchContext['cluster']>, pattern: string): Promise<number> {
  let n = 0;
  for (const node of cluster.nodes('master')) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      n += found.length;
    } while (cursor !== '0');
  }
  return n;
}

/**
 * BentoCache with L1 + L2 on Cluster (its usual setup, L2 errors suppressed by default when L1 exists):
 * does deleteMany report the failure, and how many keys stay in Redis?
 */
async function bentoTieredDeleteMany(
  ctx: BenchContext,
  cluster: NonNullable<BenchContext['cluster']>,
  keys: string[],
): Promise<string> {
  try {
    return await withAdapter(
      ctx,
      'bentocache',
      { mode: 'tiered', topology: 'cluster', tag: 'c-del' },
      async (cache, prefix) => {
        await forEachLimit(keys, 16, (k, i) => cache.set(k, ctx.values[i]));
        const before = await countKeys(cluster, `${prefix}*`);
        let outcome = 'resolved without error';
        try {
          await withTimeout(cache.deleteMany?.(keys) ?? Promise.resolve(), 5000, 'deleteMany');
        } catch (e) {
          outcome = `threw: ${errorMessage(e)}`;
        }
        const left = await countKeys(cluster, `${prefix}*`);
        return (
          `BentoCache with L1 + L2 on Cluster: deleteMany of ${keys.length} keys ${outcome}; ` +
          `${left} of ${before} keys still in Redis afterwards.`
        );
      },
    );
  } catch (e) {
    return `BentoCache with L1 + L2 on Cluster: deleteMany check failed: ${errorMessage(e)}`;
  }
}
