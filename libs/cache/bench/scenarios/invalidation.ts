/**
 * (e) Invalidation lag between two processes: from the writer's `set`/`delete` call to the reader's library having
 * applied the bus message that removes its L1 copy, on the same machine clock.
 */
import { performance } from 'node:perf_hooks';
import { type LibId, LIB_LABEL } from '../adapters';
import type { ResultRow, ScenarioResult, TargetCheck } from '../bench-types';
import { deleteByPrefix, percentile } from '../common';
import { WorkerChild } from '../workers/child';
import { type BenchContext, failedRow } from './context';

const LIBS: LibId[] = ['ours', 'bentocache'];
const WARMUP = 20;

/** Number of invalidations per library (half `set`, half `delete`). */
export const invalidationCount = () =>
  Number(process.env['BENCH_INVALIDATIONS'] ?? (process.env['BENCH_QUICK'] === '1' ? 200 : 1000));

/** Runs scenario (e). */
export async function runInvalidation(ctx: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const rows: ResultRow[] = [];
  const n = invalidationCount();
  for (const lib of LIBS) {
    ctx.log(`(e) invalidation lag: ${lib}`);
    rows.push(...(await measureLib(ctx, lib, n)));
  }
  const oursAll = rows.find((r) => r.lib === 'ours' && r.variant === 'all');
  const p99 = oursAll?.status === 'ok' ? Number(oursAll.extra?.['p99 ms']) : undefined;
  const targets: TargetCheck[] = [
    {
      text: 'ours: invalidation lag p99 ≤ 2 ms (set + delete)',
      unit: 'ms',
      required: 2,
      actual: p99,
      pass: p99 === undefined || Number.isNaN(p99) ? null : p99 <= 2,
    },
  ];
  return {
    id: 'e',
    title: `(e) Invalidation lag between two processes — ${n} invalidations per library`,
    method:
      'writer process: t0 just before set()/delete(); reader process: t1 when its library has applied the bus ' +
      'message (ours: `bus:received`, emitted after L1 evictions; BentoCache: microtask after ' +
      '`bus:message:received`, whose handler deletes synchronously); t = performance.timeOrigin + now() in both',
    metric: 'p99 ms',
    rows,
    targets,
    notes: [
      'Each invalidation uses a fresh key: the writer sets it, the reader waits for that set’s bus message, ' +
        'reads it twice (L2 hit back-fills L1; the second read is checked to be an L1 hit where the library ' +
        'reports layers), then the writer invalidates it. Alternating set (new version) and delete.',
      '"stale after" counts reads that, after the eviction, still returned the old version (or a value after ' +
        'delete); "lost" counts invalidations the reader never saw within 1 s; "set msg missed" counts rounds ' +
        'dropped because the bus message of the preparatory set had not arrived within 500 ms. ' +
        `${WARMUP} unrecorded warm-up rounds come first.`,
      'BentoCache on a remote set only marks the L1 entry logically expired (its documented behaviour); the ' +
        'next read goes to L2.',
    ],
    durationMs: performance.now() - started,
  };
}

async function measureLib(ctx: BenchContext, lib: LibId, n: number): Promise<ResultRow[]> {
  const prefix = `${ctx.runPrefix}e:${lib}:`;
  const writer = new WorkerChild('invalidation.worker.ts', `writer-${lib}`, { lib, role: 'writer', prefix });
  const reader = new WorkerChild('invalidation.worker.ts', `reader-${lib}`, { lib, role: 'reader', prefix });
  let config = '';
  const lags: Record<'set' | 'delete', number[]> = { set: [], delete: [] };
  let lost = 0;
  let stale = 0;
  let notInL1 = 0;
  let prepMissed = 0;
  let callMs = 0;
  try {
    const [ready] = await Promise.all([writer.next('ready', 20_000), reader.next('ready', 20_000)]);
    config = String(ready['config']);
    // The first WARMUP rounds are not recorded: JIT, connection and subscription warm-up.
    for (let i = -WARMUP; i < n; i++) {
      const key = `inv-${i < 0 ? `w${-i}` : i}`;
      const mode = (i + WARMUP) % 2 === 0 ? 'set' : 'delete';
      writer.send({ type: 'set', key, version: 1 });
      await writer.next('setDone', 5000, (m) => m['key'] === key);
      reader.send({ type: 'load', key });
      const loaded = await reader.next('loaded', 5000, (m) => m['key'] === key);
      writer.send({ type: 'invalidate', key, mode, version: 2 });
      const inv = await writer.next('invalidated', 5000, (m) => m['key'] === key);
      const ev = await reader.next('evicted', 5000, (m) => m['key'] === key);
      if (i < 0) continue;
      callMs += Number(inv['callMs']);
      if (loaded['inL1'] === false) notInL1++;
      if (!loaded['prepSeen']) {
        // The set's own bus message never arrived before the load: this sample cannot be attributed.
        prepMissed++;
        continue;
      }
      if (ev['t'] === null || ev['t'] === undefined) {
        lost++;
        continue;
      }
      const t1 = Number(ev['t']);
      lags[mode].push(t1 - Number(inv['t0']));
      const after = ev['after'];
      if (mode === 'set' ? after !== 2 : after !== null) stale++;
    }
    const row = (variant: string, xs: number[]): ResultRow => ({
      lib,
      label: LIB_LABEL[lib],
      config,
      variant,
      status: xs.length ? 'ok' : 'error',
      error: xs.length ? undefined : 'no invalidation observed',
      role: lib === 'ours' ? 'ours' : 'peer',
      extra: {
        samples: xs.length,
        'p50 ms': round3(percentile(xs, 50)),
        'p99 ms': round3(percentile(xs, 99)),
        'max ms': round3(Math.max(...xs)),
        'min ms': round3(Math.min(...xs)),
      },
    });
    const all = [...lags.set, ...lags.delete];
    const summary = row('all', all);
    summary.extra = {
      ...summary.extra,
      lost,
      'stale after': stale,
      'not in L1 before': notInL1,
      'set msg missed': prepMissed,
      'writer call ms (mean)': round3(callMs / n),
    };
    return [summary, row('set', lags.set), row('delete', lags.delete)];
  } catch (e) {
    return [failedRow(lib, config, e, 'all')];
  } finally {
    await Promise.all([writer.stop(), reader.stop()]);
    await deleteByPrefix(ctx.redis, undefined, prefix).catch(() => undefined);
  }
}

const round3 = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : Number.NaN);
