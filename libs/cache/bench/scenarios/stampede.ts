/**
 * (d) Stampede: loader calls for 1,000 concurrent cold misses of one key through getOrSet/wrap — in one process
 * for every library, and across two processes (2 × 500, started together at an agreed instant) for ours and
 * BentoCache.
 */
import { performance } from 'node:perf_hooks';
import { type LibId, LIB_LABEL, createAdapter, lruFetchCache } from '../adapters';
import type { ResultRow, ScenarioResult, TargetCheck } from '../bench-types';
import { deleteByPrefix, errorMessage, sleep, wallNow, withTimeout } from '../common';
import { type BenchValue, makeValue } from '../zipf';
import { WorkerChild } from '../workers/child';
import { type BenchContext, failedRow } from './context';

const IN_PROCESS: LibId[] = ['ours', 'bentocache', 'cache-manager-v7', 'cache-manager-v5', 'cacheable'];
const CROSS_PROCESS: LibId[] = ['ours', 'bentocache'];
const CALLERS = 1000;
const LOADER_MS = 50;

/** Runs scenario (d). */
export async function runStampede(ctx: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const rows: ResultRow[] = [];
  const inVariant = `1 process × ${CALLERS}`;
  const crossVariant = `2 processes × ${CALLERS / 2}`;

  for (const lib of IN_PROCESS) {
    ctx.log(`(d) stampede in-process: ${lib}`);
    const prefix = `${ctx.runPrefix}d1:${lib}:`;
    let config = '';
    try {
      const cache = await createAdapter(lib, { mode: 'tiered', topology: 'standalone', prefix });
      config = cache.config;
      try {
        if (!cache.getOrSet) throw new Error('no getOrSet/wrap');
        const getOrSet = cache.getOrSet.bind(cache);
        rows.push(await inProcess(lib, cache.label, config, inVariant, (loader) => getOrSet('hot', loader)));
      } finally {
        await cache.close().catch(() => undefined);
      }
    } catch (e) {
      rows.push(failedRow(lib, config, e, inVariant));
    } finally {
      await deleteByPrefix(ctx.redis, undefined, prefix).catch(() => undefined);
    }
  }
  {
    let lruLoader: () => Promise<BenchValue> = async () => makeValue(7);
    const lru = await lruFetchCache(() => lruLoader());
    rows.push(
      await inProcess(
        'lru-cache',
        'lru-cache 11 fetch()',
        'LRUCache({ fetchMethod }).fetch(): in-memory coalescing reference',
        inVariant,
        async (loader) => {
          lruLoader = loader;
          return lru.fetch('hot');
        },
      ),
    );
  }

  for (const lib of CROSS_PROCESS) {
    ctx.log(`(d) stampede across 2 processes: ${lib}`);
    rows.push(await crossProcess(ctx, lib, crossVariant));
  }

  const oursCross = rows.find((r) => r.lib === 'ours' && r.variant === crossVariant);
  const oursIn = rows.find((r) => r.lib === 'ours' && r.variant === inVariant);
  const calls = (r: ResultRow | undefined) =>
    r?.status === 'ok' && typeof r.extra?.['loader calls'] === 'number' ? r.extra['loader calls'] : undefined;
  const targets: TargetCheck[] = [
    {
      text: `ours: exactly 1 loader call for ${CALLERS} misses across 2 processes`,
      unit: 'calls',
      required: 1,
      actual: calls(oursCross),
      pass: calls(oursCross) === undefined ? null : calls(oursCross) === 1,
    },
    {
      text: `ours: exactly 1 loader call for ${CALLERS} misses in one process`,
      unit: 'calls',
      required: 1,
      actual: calls(oursIn),
      pass: calls(oursIn) === undefined ? null : calls(oursIn) === 1,
    },
  ];
  return {
    id: 'd',
    title: `(d) Stampede — loader calls for ${CALLERS} concurrent cold misses of one key`,
    method:
      `loader = INCR/count + ${LOADER_MS} ms sleep; L1 + L2 (standalone Redis) configured; cross-process: two ` +
      'children connect, then fire 500 each at the same agreed wall-clock instant',
    metric: 'loader calls',
    rows,
    targets,
    notes: [
      'Calls: ours getOrSet, BentoCache getOrSet, cache-manager v7 wrap, cache-manager v5 multiCaching.wrap, ' +
        'cacheable getOrSet, lru-cache fetch.',
      '"distinct values" = how many different loader results the callers received (1 = everyone shares one load).',
    ],
    durationMs: performance.now() - started,
  };
}

async function inProcess(
  lib: string,
  label: string,
  config: string,
  variant: string,
  call: (loader: () => Promise<BenchValue>) => Promise<unknown>,
): Promise<ResultRow> {
  let calls = 0;
  const loader = async () => {
    const n = ++calls;
    await sleep(LOADER_MS);
    return { ...makeValue(7), version: n };
  };
  const t0 = performance.now();
  const results = await withTimeout(
    Promise.allSettled(Array.from({ length: CALLERS }, () => call(loader))),
    30_000,
    `${lib} stampede`,
  );
  const ms = performance.now() - t0;
  const versions = new Set<number>();
  let errors = 0;
  let firstError = '';
  for (const r of results) {
    if (r.status === 'fulfilled') versions.add((r.value as { version?: number } | undefined)?.version ?? -1);
    else {
      errors++;
      firstError ||= errorMessage(r.reason);
    }
  }
  return {
    lib,
    label,
    config,
    variant,
    status: errors === CALLERS ? 'error' : 'ok',
    error: errors ? `${errors} callers rejected: ${firstError}` : undefined,
    role: lib === 'ours' ? 'ours' : lib === 'lru-cache' ? 'floor' : 'peer',
    extra: { 'loader calls': calls, 'distinct values': versions.size, errors, 'wall ms': Math.round(ms) },
  };
}

async function crossProcess(ctx: BenchContext, lib: LibId, variant: string): Promise<ResultRow> {
  const prefix = `${ctx.runPrefix}d2:${lib}:`;
  const counterKey = `${prefix}loader-calls`;
  const children = [0, 1].map(
    (i) =>
      new WorkerChild('stampede.worker.ts', `stampede-${lib}-${i}`, {
        lib,
        prefix,
        key: 'hot',
        counterKey,
        concurrency: CALLERS / 2,
        loaderMs: LOADER_MS,
      }),
  );
  let config = '';
  try {
    const ready = await Promise.all(children.map((c) => c.next('ready', 20_000)));
    config = String(ready[0]['config']);
    const at = wallNow() + 200;
    for (const c of children) c.send({ type: 'go', at });
    const done = await Promise.all(children.map((c) => c.next('done', 30_000)));
    const total = Number((await ctx.redis.get(counterKey)) ?? 0);
    const versions = new Set<number>(done.flatMap((d) => d['versions'] as number[]));
    const errors = done.reduce((a, d) => a + Number(d['errors']), 0);
    const firstError = done.map((d) => String(d['firstError'] ?? '')).find(Boolean);
    return {
      lib,
      label: LIB_LABEL[lib],
      config,
      variant,
      status: errors === CALLERS ? 'error' : 'ok',
      error: errors ? `${errors} callers rejected: ${firstError}` : undefined,
      role: lib === 'ours' ? 'ours' : 'peer',
      extra: {
        'loader calls': total,
        'per process': done.map((d) => Number(d['localCalls'])).join(' + '),
        'distinct values': versions.size,
        errors,
        'start skew ms':
          Math.round(Math.max(...done.map((d) => Math.abs(Number(d['startSkewMs'])))) * 100) / 100,
      },
    };
  } catch (e) {
    return failedRow(lib, config, e, variant);
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await deleteByPrefix(ctx.redis, undefined, prefix).catch(() => undefined);
  }
}
