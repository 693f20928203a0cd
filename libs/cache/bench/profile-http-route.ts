/**
 * Profiles one real cached route end to end: starts routing and `BENCH_HTTP_SERVICE` (analytics, default,
 * or bid) with `--cpu-prof` (profiles in `BENCH_HTTP_CPU_PROF`, default `/tmp/bench-http-prof`), drives
 * `BENCH_HTTP_PATH` with autocannon for `BENCH_HTTP_DURATION_S` seconds, stops them and prints where the
 * service's CPU time went, by self time of the top functions.
 * `npx tsx libs/cache/bench/profile-http-route.ts`
 */
import autocannon from 'autocannon';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const DIR = (process.env['BENCH_HTTP_CPU_PROF'] ??= '/tmp/bench-http-prof');
const SERVICE = (process.env['BENCH_HTTP_SERVICE'] ?? 'analytics') as 'analytics' | 'bid';
const PATH =
  process.env['BENCH_HTTP_PATH'] ??
  (SERVICE === 'analytics'
    ? '/analytics/revenue/bench-http-buyer?period=2026-01'
    : '/bids/buyers/bench-http-buyer/active');
const ADAPTER = (process.env['HTTP_ADAPTER'] ?? 'fastify') as 'fastify' | 'express';
const DURATION_S = Number(process.env['BENCH_HTTP_DURATION_S'] ?? 8);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (ms) of the largest profile written after `since`. */
function selfTimes(since: number): [string, number][] {
  const files = readdirSync(DIR)
    .map((name) => join(DIR, name))
    .filter((file) => file.endsWith('.cpuprofile') && statSync(file).mtimeMs >= since)
    .sort((a, b) => statSync(b).size - statSync(a).size);
  const profile = JSON.parse(readFileSync(files[0], 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return;
    const where = frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/libs\//, 'libs/');
    const name = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals].sort((a, b) => b[1] - a[1]);
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const since = Date.now();
  // Imported after BENCH_HTTP_CPU_PROF is set: it reads the variable when loaded.
  const { startBenchService } = await import('./http-services');
  const prefix = `bench-http-prof:${since}:`;
  const routing = await startBenchService({ name: 'routing', adapter: ADAPTER, prefix });
  const service = await startBenchService({
    name: SERVICE,
    adapter: ADAPTER,
    prefix,
    routingGrpc: routing.grpcAddress,
  });
  let result: autocannon.Result;
  try {
    const url = service.httpUrl + PATH;
    const probe = await fetch(url);
    if (probe.status !== 200) throw new Error(`GET ${PATH}: ${probe.status} ${await probe.text()}`);
    result = await autocannon({ url, connections: 50, duration: DURATION_S });
  } finally {
    await service.stop();
    await routing.stop();
  }
  const times = selfTimes(since);
  const total = times.reduce((sum, [, ms]) => sum + ms, 0);
  process.stdout.write(
    `${SERVICE} ${PATH} on ${ADAPTER}: ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms\n`,
  );
  process.stdout.write(`self time, top 40 of ${Math.round(total)} ms sampled:\n`);
  for (const [name, ms] of times.slice(0, 40)) {
    process.stdout.write(`${((100 * ms) / total).toFixed(1).padStart(5)}%  ${name}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
