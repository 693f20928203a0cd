/**
 * Shared plumbing of the side-by-side cache benchmark: stack addresses, Redis helpers, timing loops, statistics
 * and clean-up. Everything here targets 127.0.0.1 only.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { RedisDriver } from '../src';

/**
 * The Node flags the services' images start with (`CMD` of `docker/*.Dockerfile`): bench:http starts every
 * process it measures (floors, its own apps and the services) with them, so all run as deployed.
 */
export const NODE_RUNTIME_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

/** Standalone Redis of the local stack. */
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:16379';

/** Seed nodes of the local stack's Redis Cluster, as `host:port`. */
export const CLUSTER_NODES = (
  process.env['REDIS_CLUSTER_NODES'] ??
  Array.from({ length: 6 }, (_, i) => `127.0.0.1:${17001 + i}`).join(',')
)
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

/** Host/port of {@link REDIS_URL}. */
export const REDIS_HOST_PORT = (() => {
  const u = new URL(REDIS_URL);
  return { host: u.hostname, port: Number(u.port || 6379) };
})();

/** Cluster seed nodes as ioredis `{ host, port }`. */
export const CLUSTER_SEEDS = CLUSTER_NODES.map((n) => {
  const at = n.lastIndexOf(':');
  return { host: n.slice(0, at), port: Number(n.slice(at + 1)) };
});

/**
 * The ioredis options every ioredis-based library gets (ours through its own factory, BentoCache, the raw floor
 * and cache-manager-ioredis-yet): auto-pipelining on, so no library is handicapped by client settings.
 */
export const IOREDIS_OPTIONS: RedisOptions = { enableAutoPipelining: true, maxRetriesPerRequest: 1 };

/** Refuses anything but loopback, so a mis-set env var cannot point the benchmark at a shared server. */
export function assertLoopback(): void {
  const hosts = [REDIS_HOST_PORT.host, ...CLUSTER_SEEDS.map((s) => s.host)];
  for (const h of hosts) {
    if (h !== '127.0.0.1' && h !== 'localhost' && h !== '::1') {
      throw new Error(`bench:cache only targets 127.0.0.1; refusing ${h}`);
    }
  }
}

/** A new standalone ioredis client with the shared options, connected. */
export async function newRedis(extra: RedisOptions = {}): Promise<Redis> {
  const r = new Redis({ ...REDIS_HOST_PORT, ...IOREDIS_OPTIONS, lazyConnect: true, ...extra });
  await r.connect();
  return r;
}

/**
 * A new ioredis Cluster client, ready: with the shared options, or with ioredis defaults when `plain` (what
 * `redisStore({ clusterConfig })` of cache-manager-ioredis-yet would build).
 */
export async function newCluster(plain = false): Promise<Cluster> {
  const c = new Cluster(CLUSTER_SEEDS, {
    enableAutoPipelining: !plain,
    redisOptions: { maxRetriesPerRequest: 1 },
    lazyConnect: true,
  });
  await c.connect();
  return c;
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wall-clock milliseconds with sub-ms precision, comparable across processes on the same machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

/** Median of a list (0 for an empty list). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile `p` in [0, 100] of a list. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx];
}

/** Bench time settings (shortened with `BENCH_QUICK=1` for development). */
export interface Timing {
  /** Warm-up before the measured rounds, ms. */
  warmupMs: number;
  /** Length of one measured round, ms. */
  roundMs: number;
  /** Number of measured rounds; the median is reported. */
  rounds: number;
}

/** Default timing, or a quick one for development (`BENCH_QUICK=1`). */
export function timing(): Timing {
  if (process.env['BENCH_QUICK'] === '1') return { warmupMs: 150, roundMs: 300, rounds: 3 };
  return {
    warmupMs: Number(process.env['BENCH_WARMUP_MS'] ?? 500),
    roundMs: Number(process.env['BENCH_ROUND_MS'] ?? 1000),
    rounds: Number(process.env['BENCH_ROUNDS'] ?? 5),
  };
}

/** Result of a throughput measurement. */
export interface Throughput {
  /** Median ops/s over the rounds. */
  opsPerSec: number;
  /** ops/s of every round. */
  rounds: number[];
  /** Operations done in the measured rounds. */
  ops: number;
}

/**
 * One timed round of synchronous reads for `ms`: `subject.read` over `keys` in the Zipf order `zipf` (its length
 * a power of two, `mask` = length − 1), 1,024 reads between clock checks; counts reads that returned
 * `undefined` in `subject.misses`. Resolves reads per second. Shared so the bench and the micro-benchmark time
 * `peek` and lru-cache the same way.
 */
export function syncReadRound(
  subject: { read: (key: string) => unknown; misses: number },
  keys: readonly string[],
  zipf: ArrayLike<number>,
  mask: number,
  ms: number,
): number {
  const start = performance.now();
  const end = start + ms;
  let n = 0;
  let seq = 0;
  for (;;) {
    for (let j = 0; j < 1024; j++) if (subject.read(keys[zipf[seq++ & mask]]) === undefined) subject.misses++;
    n += 1024;
    if (performance.now() >= end) break;
  }
  return (n / (performance.now() - start)) * 1000;
}

/**
 * Runs `op` from `concurrency` async workers for `ms` milliseconds and returns ops/s. Each worker awaits its
 * own operations one by one (a worker = one in-flight request); worker `w` starts at sequence offset
 * `w * 7919` so workers walk different parts of the shared key sequence.
 */
export async function runFor(
  ms: number,
  concurrency: number,
  op: (seq: number) => Promise<unknown>,
): Promise<{ opsPerSec: number; ops: number }> {
  const start = performance.now();
  const end = start + ms;
  let total = 0;
  const worker = async (w: number) => {
    let seq = w * 7919;
    let n = 0;
    for (;;) {
      for (let j = 0; j < 32; j++) await op(seq++);
      n += 32;
      if (performance.now() >= end) break;
    }
    total += n;
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const elapsed = performance.now() - start;
  return { opsPerSec: (total / elapsed) * 1000, ops: total };
}

/** Warm-up, then `rounds` timed rounds of {@link runFor}; returns the median. */
export async function measure(
  t: Timing,
  concurrency: number,
  op: (seq: number) => Promise<unknown>,
): Promise<Throughput> {
  await runFor(t.warmupMs, concurrency, op);
  const rounds: number[] = [];
  let ops = 0;
  for (let r = 0; r < t.rounds; r++) {
    const res = await runFor(t.roundMs, concurrency, op);
    rounds.push(res.opsPerSec);
    ops += res.ops;
  }
  return { opsPerSec: median(rounds), rounds, ops };
}

/** One contender of {@link measureInterleaved}. */
export interface Contender {
  id: string;
  concurrency: number;
  op: (seq: number) => Promise<unknown>;
}

/**
 * Measures several contenders in interleaved rounds (round r runs every contender once, starting at a
 * rotating position), so that load from other processes on a shared machine spreads over all of them instead
 * of penalising whoever ran during a busy spell. Returns each contender's median, or its error.
 */
export async function measureInterleaved(
  t: Timing,
  contenders: readonly Contender[],
): Promise<Map<string, Throughput | { error: string }>> {
  const rounds = new Map<string, number[]>(contenders.map((c) => [c.id, []]));
  const ops = new Map<string, number>(contenders.map((c) => [c.id, 0]));
  const failed = new Map<string, string>();
  const run = async (c: Contender, ms: number, record: boolean) => {
    if (failed.has(c.id)) return;
    try {
      const res = await runFor(ms, c.concurrency, c.op);
      if (record) {
        rounds.get(c.id)?.push(res.opsPerSec);
        ops.set(c.id, (ops.get(c.id) ?? 0) + res.ops);
      }
    } catch (e) {
      failed.set(c.id, errorMessage(e));
    }
  };
  for (const c of contenders) await run(c, t.warmupMs, false);
  for (let r = 0; r < t.rounds; r++) {
    for (let i = 0; i < contenders.length; i++)
      await run(contenders[(i + r) % contenders.length], t.roundMs, true);
  }
  const out = new Map<string, Throughput | { error: string }>();
  for (const c of contenders) {
    const err = failed.get(c.id);
    const rs = rounds.get(c.id) ?? [];
    out.set(c.id, err ? { error: err } : { opsPerSec: median(rs), rounds: rs, ops: ops.get(c.id) ?? 0 });
  }
  return out;
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function forEachLimit<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Rejects with a clear message if `p` does not settle within `ms`. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Message of an unknown thrown value, one line, bounded. */
export function errorMessage(e: unknown): string {
  const raw = e instanceof Error ? `${e.name === 'Error' ? '' : e.name + ': '}${e.message}` : String(e);
  const cause = e instanceof Error && e.cause instanceof Error ? ` (cause: ${e.cause.message})` : '';
  return (raw + cause).replace(/\s+/g, ' ').slice(0, 240);
}

/** Machine and server facts printed at the top and stored with the results. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memGb: number;
  node: string;
  platform: string;
  loadAvg: number[];
  redisVersion: string;
  clusterVersion: string;
  date: string;
}

/** Collects {@link MachineInfo} (Redis versions from `INFO server`). */
export async function machineInfo(redis: Redis, cluster: Cluster | undefined): Promise<MachineInfo> {
  const version = (info: string) => /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  let clusterVersion = 'unavailable';
  if (cluster) {
    const node = cluster.nodes('master')[0];
    if (node) clusterVersion = version(await node.info('server'));
  }
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAvg: loadavg().map((x) => Math.round(x * 100) / 100),
    redisVersion: version(await redis.info('server')),
    clusterVersion,
    date: new Date().toISOString(),
  };
}

/**
 * Deletes every key under `prefix` on the standalone server and on every Cluster master, through the engine's
 * own `RedisDriver.deleteByPrefix` (SCAN + UNLINK by slot). Never FLUSHDB: the servers are shared.
 */
export async function deleteByPrefix(
  redis: Redis | undefined,
  cluster: Cluster | undefined,
  prefix: string,
): Promise<number> {
  let removed = 0;
  for (const client of [redis, cluster]) {
    if (client !== undefined) removed += await new RedisDriver(client).deleteByPrefix(prefix);
  }
  return removed;
}

/** Formats ops/s compactly: 1.23M, 456k, 789. */
export function fmtOps(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return 'n/a';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${Math.round(x / 1e3)}k`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}

/** Formats a ratio as `1.23×`. */
export function fmtRatio(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return 'n/a';
  return `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
}

/** Renders a plain-text table with left-aligned columns. */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
