/**
 * `npm run bench:cache`: our cache engine side by side with BentoCache, cache-manager (v7 and v5),
 * cacheable, lru-cache and raw ioredis, in one run, on the local stack's real Redis and Redis Cluster.
 *
 * Scenarios: (a) L1-hit get, (b) L2-hit get at c=1/64, (c) getMany on Cluster, (d) stampede in one and two
 * processes, (e) invalidation lag between two processes, (f) LRU vs W-TinyLFU hit rate, (g) L1 byte budget vs
 * measured heap.
 *
 * Only a full run (all scenarios, not quick) rewrites results/latest.json, BENCHMARKS.md and chart.svg; quick or
 * partial runs write $TMPDIR/bench-cache-dev.json.
 *
 * Options (env): BENCH_QUICK=1 (short rounds, for development), BENCH_ONLY=a,c (subset), BENCH_ROUND_MS,
 * BENCH_ROUNDS, BENCH_WARMUP_MS, BENCH_INVALIDATIONS, BENCH_HITRATE_REQUESTS, BENCH_BUDGET_S (default 330).
 * Arguments `--quick` and `--only=a,c` do the same as the env vars.
 *
 * Everything it writes to Redis lives under `bench:<runId>:` and is deleted at the end (never FLUSHDB);
 * every child process it starts is stopped.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Cluster, Redis } from 'ioredis';
import { loadOurs } from './adapters';
import type { BenchResults, ScenarioResult } from './bench-types';
import {
  assertLoopback,
  deleteByPrefix,
  errorMessage,
  machineInfo,
  newCluster,
  newRedis,
  timing,
  withTimeout,
} from './common';
import {
  LATEST_JSON,
  RESULTS_DIR,
  prettierFile,
  renderMachineText,
  renderScenarioText,
  writeReport,
} from './report';
import { runClusterGetMany } from './scenarios/cluster-getmany';
import type { BenchContext } from './scenarios/context';
import { runHitRate } from './scenarios/hit-rate';
import { invalidationCount, runInvalidation } from './scenarios/invalidation';
import { runL1Hit } from './scenarios/l1-hit';
import { runL1Memory } from './scenarios/l1-memory';
import { runL2Hit } from './scenarios/l2-hit';
import { runStampede } from './scenarios/stampede';
import { killAllChildren } from './workers/child';
import { makeValue, zipfSequence } from './zipf';

const KEY_COUNT = 10_000;
const ZIPF_S = 0.99;

const SCENARIOS: {
  id: string;
  title: string;
  run: (ctx: BenchContext, budgetMs: number) => Promise<ScenarioResult>;
}[] = [
  { id: 'a', title: '(a) L1-hit get', run: runL1Hit },
  { id: 'b', title: '(b) L2-hit get', run: runL2Hit },
  { id: 'c', title: '(c) getMany on Cluster', run: runClusterGetMany },
  { id: 'd', title: '(d) stampede', run: runStampede },
  { id: 'e', title: '(e) invalidation lag', run: runInvalidation },
  { id: 'f', title: '(f) hit rate', run: (ctx, budget) => runHitRate(ctx, Math.max(10_000, budget)) },
  { id: 'g', title: '(g) L1 budget vs heap', run: () => runL1Memory() },
];

/** Runs every selected scenario, prints tables, writes results/latest.json, BENCHMARKS.md and chart.svg. */
export async function main(): Promise<void> {
  const t0 = performance.now();
  for (const a of process.argv.slice(2)) {
    if (a === '--quick') process.env['BENCH_QUICK'] = '1';
    if (a.startsWith('--only=')) process.env['BENCH_ONLY'] = a.slice('--only='.length);
  }
  const only = new Set((process.env['BENCH_ONLY'] ?? 'a,b,c,d,e,f,g').split(',').map((s) => s.trim()));
  const budgetMs = Number(process.env['BENCH_BUDGET_S'] ?? 330) * 1000;
  assertLoopback();

  const runPrefix = `bench:${randomBytes(4).toString('hex')}:`;
  let redis: Redis | undefined;
  let cluster: Cluster | undefined;
  const cleanup = async () => {
    killAllChildren();
    await deleteByPrefix(redis, cluster, runPrefix).catch(() => undefined);
  };
  process.once('SIGINT', () => {
    process.stderr.write('\ninterrupted: cleaning up\n');
    void cleanup().finally(() => process.exit(130));
  });
  process.once('exit', killAllChildren);

  try {
    redis = await withTimeout(newRedis(), 5000, 'connect to Redis').catch((e: unknown) => {
      throw new Error(`${errorMessage(e)} — start the stack: bash scripts/stack/stack.sh up`);
    });
    cluster = await withTimeout(newCluster(), 8000, 'connect to Redis Cluster').catch((e: unknown) => {
      process.stderr.write(`Redis Cluster unavailable (${errorMessage(e)}): scenario (c) will be skipped\n`);
      return undefined;
    });
    const t = timing();
    const oursStatus = await loadOurs().then(
      () => 'wired (createCache from libs/cache/src)',
      (e: unknown) => `PENDING — ${errorMessage(e)}`,
    );
    const settings = {
      keys: KEY_COUNT,
      zipf: ZIPF_S,
      valueBytes: 1024,
      warmupMs: t.warmupMs,
      roundMs: t.roundMs,
      rounds: t.rounds,
      invalidations: invalidationCount(),
      quick: process.env['BENCH_QUICK'] === '1',
      runPrefix,
    };
    const machine = await machineInfo(redis, cluster);
    process.stdout.write(`${renderMachineText({ machine, settings, oursStatus })}\n`);

    const keys = Array.from({ length: KEY_COUNT }, (_, i) => `k${i}`);
    const ctx: BenchContext = {
      runPrefix,
      timing: t,
      redis,
      cluster,
      keys,
      values: keys.map((_, i) => makeValue(i)),
      zipf: zipfSequence(KEY_COUNT, ZIPF_S, 1 << 20),
      log: (msg) => process.stderr.write(`  … ${msg}\n`),
    };

    const scenarios: ScenarioResult[] = [];
    for (const s of SCENARIOS) {
      if (!only.has(s.id)) continue;
      const left = budgetMs - (performance.now() - t0);
      if (left < 5000) {
        scenarios.push(skipped(s.id, s.title, `time budget of ${budgetMs / 1000} s used up`));
        process.stdout.write(`\n=== ${s.title}: skipped (time budget) ===\n`);
        continue;
      }
      let result: ScenarioResult;
      try {
        result = await s.run(ctx, left);
      } catch (e) {
        result = skipped(s.id, s.title, `scenario failed: ${errorMessage(e)}`);
      }
      noiseNote(result);
      scenarios.push(result);
      process.stdout.write(`${renderScenarioText(result)}\n`);
    }

    const results: BenchResults = {
      version: 1,
      machine,
      settings,
      scenarios,
      totalMs: performance.now() - t0,
      oursStatus,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    // Only a full run replaces the published results; quick or partial runs go to a temp file.
    const full = !settings.quick && SCENARIOS.every((s) => only.has(s.id));
    const jsonFile = full ? LATEST_JSON : join(tmpdir(), 'bench-cache-dev.json');
    writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
    if (full) {
      await prettierFile(LATEST_JSON);
      await writeReport(results);
    }
    const targets = scenarios.flatMap((s) => s.targets).filter((x) => !x.text.startsWith('(info)'));
    const pass = targets.filter((x) => x.pass === true).length;
    const fail = targets.filter((x) => x.pass === false).length;
    process.stdout.write(
      `\nTargets: ${pass} pass, ${fail} fail, ${targets.length - pass - fail} not evaluated. ` +
        `Total ${((performance.now() - t0) / 1000).toFixed(1)} s.\n` +
        (full
          ? `Wrote ${LATEST_JSON}, libs/cache/BENCHMARKS.md and libs/cache/bench/results/chart.svg\n`
          : `Quick/partial run: wrote ${jsonFile} only (BENCHMARKS.md and chart.svg untouched)\n`),
    );
  } finally {
    await cleanup();
    await redis?.quit().catch(() => undefined);
    await cluster?.quit().catch(() => undefined);
  }
}

/** Flags rounds that disagree a lot (a busy machine), so nobody reads too much into one median. */
function noiseNote(s: ScenarioResult): void {
  let worst: { spread: number; who: string } | undefined;
  for (const r of s.rows) {
    if (!r.rounds || r.rounds.length < 2) continue;
    const spread = Math.max(...r.rounds) / Math.max(1e-9, Math.min(...r.rounds));
    if (!worst || spread > worst.spread)
      worst = { spread, who: `${r.label}${r.variant ? ` ${r.variant}` : ''}` };
  }
  if (worst && worst.spread > 1.5) {
    s.notes.push(
      `Noisy run: rounds of one contender differ by up to ${worst.spread.toFixed(1)}× (${worst.who}); the ` +
        'per-round figures are in results/latest.json. Re-run on an idle machine before reading small ratios.',
    );
  }
}

function skipped(id: string, title: string, why: string): ScenarioResult {
  return { id, title, method: 'skipped', metric: '', rows: [], targets: [], notes: [why], durationMs: 0 };
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(
        `bench:cache failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exit(1);
    },
  );
}
