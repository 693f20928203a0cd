/**
 * (f) Hit rate LRU vs W-TinyLFU: runs the hit-rate helper (`bench/hit-rate.ts`, owned by another helper) in a
 * child process and turns its `HITRATE_JSON` line into a table.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ResultRow, ScenarioResult } from '../bench-types';
import type { BenchContext } from './context';

/** `--requests` for the hit-rate bench: its own default (2,000,000 per trace) unless quick or overridden. */
const requestsArgs = (): string[] => {
  const n =
    process.env['BENCH_HITRATE_REQUESTS'] ?? (process.env['BENCH_QUICK'] === '1' ? '200000' : undefined);
  return n === undefined ? [] : [`--requests=${Number(n)}`];
};

/** Runs scenario (f). */
export async function runHitRate(ctx: BenchContext, timeoutMs = 150_000): Promise<ScenarioResult> {
  const started = performance.now();
  const file = join(__dirname, '..', 'hit-rate.ts');
  const base = {
    id: 'f',
    title: '(f) Hit rate — LRU vs W-TinyLFU at a fixed size (from bench/hit-rate.ts)',
    metric: 'hit rate %',
    targets: [],
  };
  if (!existsSync(file)) {
    return {
      ...base,
      method: 'pending',
      rows: [],
      notes: ['libs/cache/bench/hit-rate.ts is not there yet (another helper writes it).'],
      durationMs: 0,
    };
  }
  ctx.log('(f) hit rate (child process)');
  const { code, stdout, stderr, timedOut } = await runChild(file, requestsArgs(), timeoutMs);
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('HITRATE_JSON '));
  if (!line) {
    const why = timedOut ? `timed out after ${timeoutMs} ms` : `exit code ${code}`;
    return {
      ...base,
      method: `spawned ${['hit-rate.ts', ...requestsArgs()].join(' ')}`,
      rows: [
        {
          lib: 'hit-rate',
          label: 'hit-rate.ts',
          config: '',
          status: 'error',
          error: `no HITRATE_JSON line (${why}): ${stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300)}`,
        },
      ],
      notes: [],
      durationMs: performance.now() - started,
    };
  }
  const data: unknown = JSON.parse(line.slice('HITRATE_JSON '.length));
  const list: Record<string, unknown>[] = Array.isArray(data)
    ? (data as Record<string, unknown>[])
    : Array.isArray((data as { rows?: unknown }).rows)
      ? (data as { rows: Record<string, unknown>[] }).rows
      : [data as Record<string, unknown>];
  const headers = [...new Set(list.flatMap((r) => Object.keys(r)))];
  const rows: ResultRow[] = list.map((r) => ({
    lib: String(r['policy'] ?? r['lib'] ?? ''),
    label: String(r['policy'] ?? r['lib'] ?? ''),
    config: '',
    variant: String(r['trace'] ?? ''),
    status: 'ok',
    role: r['policy'] === 'tinylfu' ? 'ours' : 'peer',
    extra: Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, typeof v === 'number' || typeof v === 'boolean' ? v : String(v)]),
    ),
  }));
  return {
    ...base,
    method: `spawned ${['hit-rate.ts', ...requestsArgs()].join(' ')} (its own traces and capacity; see its header)`,
    rows,
    notes: [
      'policy lru / tinylfu = our L1 store with that policy; lru-cache = raw lru-cache at the same entry count.',
    ],
    table: { headers, rows: list.map((r) => headers.map((h) => (r[h] === undefined ? '' : String(r[h])))) },
    durationMs: performance.now() - started,
  };
}

function runChild(
  file: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, file, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}
