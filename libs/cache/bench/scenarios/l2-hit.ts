/**
 * (b) L2-hit `get` with L1 disabled (or absent) at concurrency 1 and 64, against raw ioredis GET + JSON.parse
 * with auto-pipelining as the floor.
 */
import { performance } from 'node:perf_hooks';
import type { LibId } from '../adapters';
import type { ResultRow, ScenarioResult, TargetCheck } from '../bench-types';
import { measureInterleaved } from '../common';
import { type BenchContext, type OpenAdapter, failedRow, openAdapter, ratioTarget } from './context';
import { preload } from './l1-hit';

const LIBS: LibId[] = ['ours', 'bentocache', 'cache-manager-v7', 'cacheable', 'ioredis'];
const CONCURRENCY = [1, 64];

/** Runs scenario (b). */
export async function runL2Hit(ctx: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const rows: ResultRow[] = [];
  const mask = ctx.zipf.length - 1;
  const { keys, zipf } = ctx;

  // Open and preload every library first, then measure all (library, concurrency) pairs interleaved.
  const open: { lib: LibId; a: OpenAdapter; misses: Record<string, number> }[] = [];
  try {
    for (const lib of LIBS) {
      ctx.log(`(b) L2 hit: open + preload ${lib}`);
      let a: OpenAdapter | undefined;
      try {
        a = await openAdapter(ctx, lib, { mode: 'l2', topology: 'standalone', tag: 'b' });
        await preload(ctx, a.cache);
        open.push({ lib, a, misses: {} });
      } catch (e) {
        for (const c of CONCURRENCY) rows.push(failedRow(lib, a?.cache.config ?? '', e, `c=${c}`));
        await a?.close();
      }
    }
    ctx.log(`(b) L2 hit: measuring ${open.length} libraries × c=${CONCURRENCY.join('/')}, interleaved`);
    const measured = await measureInterleaved(
      ctx.timing,
      open.flatMap((o) =>
        CONCURRENCY.map((c) => ({
          id: `${o.lib}|${c}`,
          concurrency: c,
          op: (seq: number) =>
            o.a.cache.get(keys[zipf[seq & mask]]).then((v) => {
              if (v === undefined) o.misses[c] = (o.misses[c] ?? 0) + 1;
            }),
        })),
      ),
    );
    for (const o of open) {
      for (const c of CONCURRENCY) {
        const res = measured.get(`${o.lib}|${c}`);
        const role = o.lib === 'ours' ? 'ours' : o.lib === 'ioredis' ? 'floor' : 'peer';
        if (!res || 'error' in res) {
          rows.push({ ...failedRow(o.lib, o.a.cache.config, res?.error ?? 'not measured', `c=${c}`), role });
          continue;
        }
        rows.push({
          lib: o.lib,
          label: o.a.cache.label,
          config: o.a.cache.config,
          variant: `c=${c}`,
          status: 'ok',
          opsPerSec: res.opsPerSec,
          rounds: res.rounds,
          role,
          extra: { misses: o.misses[c] ?? 0, ops: res.ops },
        });
      }
    }
  } finally {
    for (const o of open) await o.a.close();
  }
  rows.sort((x, y) => LIBS.indexOf(x.lib as LibId) - LIBS.indexOf(y.lib as LibId));

  const targets: TargetCheck[] = CONCURRENCY.map((c) =>
    ratioTarget(
      `ours ≥ 0.8× raw ioredis autopipelining at c=${c}`,
      rows.find((r) => r.lib === 'ours' && r.variant === `c=${c}`),
      rows.find((r) => r.lib === 'ioredis' && r.variant === `c=${c}`),
      0.8,
    ),
  );
  return {
    id: 'b',
    title: '(b) L2-hit get — L1 disabled/absent, standalone Redis, concurrency 1 and 64',
    method:
      `median of ${ctx.timing.rounds} × ${ctx.timing.roundMs} ms rounds after ${ctx.timing.warmupMs} ms warm-up, ` +
      'all (library, c) pairs interleaved round by round; ' +
      'c = number of async workers each awaiting its own gets',
    metric: 'ops/s',
    rows,
    targets,
    notes: [
      'Each library preloads the 10k keys through its own set (its own wire format), then reads them with the ' +
        'same Zipf(0.99) sequence. BentoCache runs with no L1 layer; cacheable with @keyv/redis as its only ' +
        '(primary) store, since a memory primary would be back-filled by the first read; cache-manager v7 ' +
        'with @keyv/redis as its only store.',
      'cache-manager v7 and cacheable use @keyv/redis (node-redis client); the others ioredis with ' +
        'enableAutoPipelining.',
    ],
    durationMs: performance.now() - started,
  };
}
