/**
 * Profiles one real cached route end to end: starts routing and `BENCH_HTTP_SERVICE` (analytics, default,
 * or bid) with `--cpu-prof` (profiles in `BENCH_HTTP_CPU_PROF`, default `/tmp/bench-http-prof`), drives
 * `BENCH_HTTP_PATH` with autocannon (2 s warm-up, then `BENCH_HTTP_DURATION_S` seconds), stops them and prints
 * where the service's CPU time went during the measured seconds only: inclusive time per layer (logging,
 * middleware, Nest's router, the cache, metrics, the socket write…) and self time of the top functions, each
 * also in µs per request.
 * `npx tsx libs/cache/bench/profile-http-route.ts`
 */
import autocannon from 'autocannon';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { NODE_RUNTIME_FLAGS, REDIS_URL } from './common';
import type { HttpAppConfig } from './workers/http-app.worker';

const DIR = (process.env['BENCH_HTTP_CPU_PROF'] ??= '/tmp/bench-http-prof');
/** A real service, or one of bench:http's own apps (`hello`: the bare floor; `ours`: HttpCacheInterceptor alone). */
const SERVICE = (process.env['BENCH_HTTP_SERVICE'] ?? 'analytics') as 'analytics' | 'bid' | 'hello' | 'ours';
const PATH =
  process.env['BENCH_HTTP_PATH'] ??
  (SERVICE === 'analytics'
    ? '/analytics/revenue/bench-http-buyer?period=2026-01'
    : SERVICE === 'bid'
      ? '/bids/buyers/bench-http-buyer/active'
      : '/bids/42');
const ADAPTER = (process.env['HTTP_ADAPTER'] ?? 'fastify') as 'fastify' | 'express';
const DURATION_S = Number(process.env['BENCH_HTTP_DURATION_S'] ?? 8);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Layers a request passes through, each matched against every frame of a sample's stack: a sample counts
 * towards a layer when any of its frames matches, so the layers overlap (Nest's router runs the interceptor,
 * which runs the cache) and do not add up to 100 %.
 */
const LAYERS: readonly (readonly [string, (frame: ProfileNode['callFrame']) => boolean])[] = [
  ['idle', (f) => f.functionName === '(idle)'],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
  [
    'socket write (writev)',
    (f) => /^(writev|writevGeneric|writeBuffer|writeUtf8String)$/.test(f.functionName),
  ],
  ['pino / pino-http (request logging)', (f) => /node_modules\/(pino|pino-http|nestjs-pino)\//.test(f.url)],
  ['@fastify/middie (Nest middleware on Fastify)', (f) => f.url.includes('@fastify/middie/')],
  [
    'async_hooks (AsyncLocalStorage, promise hooks)',
    (f) =>
      f.url === 'node:async_hooks' ||
      f.url === 'node:internal/async_hooks' ||
      f.url.includes('async_local_storage'),
  ],
  [
    'Nest router, guards, pipes, interceptors',
    (f) => /@nestjs\/core\/(router|guards|pipes|interceptors|helpers)\//.test(f.url),
  ],
  ['rxjs', (f) => f.url.includes('node_modules/rxjs/')],
  ['HTTP cache (nest/http + http)', (f) => /libs\/cache\/src\/lib\/(nest\/http|http)\//.test(f.url)],
  ['cache engine (getOrSet, L1)', (f) => /libs\/cache\/src\/lib\/(cache|l1|core)\//.test(f.url)],
  ['prom-client (metrics)', (f) => f.url.includes('node_modules/prom-client/')],
  ['class-validator / class-transformer', (f) => /node_modules\/class-(validator|transformer)\//.test(f.url)],
  ['fastify', (f) => /node_modules\/(fastify|@fastify\/[^/]+|find-my-way|light-my-request)\//.test(f.url)],
  ['@nestjs/platform-fastify', (f) => f.url.includes('@nestjs/platform-fastify/')],
  ['node:http', (f) => /^node:_http_/.test(f.url)],
  ['kafka (kafkajs, event intake)', (f) => f.url.includes('kafkajs/') || f.url.includes('/kafka/')],
];

/** Where the CPU went between `fromUs` and `toUs` (monotonic µs, the profile's clock). */
interface Breakdown {
  readonly totalMs: number;
  readonly self: [string, number][];
  readonly layers: [string, number][];
}

/**
 * Self time per function and inclusive time per layer (ms) of the profiled process's profile written after
 * `since` (V8 names the file `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`; routing writes one too).
 */
function breakdown(since: number, pid: number | undefined, fromUs: number, toUs: number): Breakdown {
  const files = readdirSync(DIR)
    .filter((name) => pid === undefined || name.split('.')[3] === String(pid))
    .map((name) => join(DIR, name))
    .filter((file) => file.endsWith('.cpuprofile') && statSync(file).mtimeMs >= since)
    .sort((a, b) => statSync(b).size - statSync(a).size);
  if (files.length === 0) throw new Error(`no CPU profile of process ${pid} in ${DIR}`);
  const profile = JSON.parse(readFileSync(files[0], 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const layers = new Map<string, number>();
  let totalMs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    at += profile.timeDeltas[i] ?? 0;
    // Only the measured run: not the start-up, the warm-up probe or the shutdown.
    if (at < fromUs || at > toUs) return;
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return;
    totalMs += ms;
    const where = frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/libs\//, 'libs/');
    const name = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    self.set(name, (self.get(name) ?? 0) + ms);
    const stack: ProfileNode['callFrame'][] = [];
    for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
      const callFrame = byId.get(node)?.callFrame;
      if (callFrame !== undefined) stack.push(callFrame);
    }
    for (const [layer, matches] of LAYERS) {
      if (stack.some(matches)) layers.set(layer, (layers.get(layer) ?? 0) + ms);
    }
  });
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return { totalMs, self: sorted(self), layers: sorted(layers) };
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** What is driven: its base URL, and how to stop it (which writes its profile). */
interface Target {
  readonly httpUrl: string;
  /** The profiled process. */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** Routing and the profiled service, started from their `main.ts` as `bench:http` starts them. */
async function startServices(prefix: string): Promise<Target> {
  // Imported after BENCH_HTTP_CPU_PROF is set: it reads the variable when loaded.
  const { startBenchService } = await import('./http-services');
  const routing = await startBenchService({ name: 'routing', adapter: ADAPTER, prefix });
  const service = await startBenchService({
    name: SERVICE as 'analytics' | 'bid',
    adapter: ADAPTER,
    prefix,
    routingGrpc: routing.grpcAddress,
  });
  return {
    httpUrl: service.httpUrl,
    pid: service.pid,
    stop: async () => {
      await service.stop();
      await routing.stop();
    },
  };
}

/** One of bench:http's own apps (`workers/http-app.worker.ts`), profiled. */
async function startApp(variant: 'hello' | 'ours', prefix: string): Promise<Target> {
  const config: HttpAppConfig = {
    variant,
    adapter: ADAPTER,
    redisUrl: REDIS_URL,
    prefix,
    costMs: 1,
    cpuMs: 0.2,
  };
  const child = fork(join(__dirname, 'workers', 'http-app.worker.ts'), [JSON.stringify(config)], {
    execArgv: [
      '-r',
      join(__dirname, '..', '..', '..', 'tools', 'bench', 'swc-register.cjs'),
      ...NODE_RUNTIME_FLAGS,
      '--cpu-prof',
      `--cpu-prof-dir=${DIR}`,
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (message: { type: string; port?: number; message?: string }) => {
      if (message.type === 'ready') resolve(message.port as number);
      if (message.type === 'error') reject(new Error(message.message));
    });
    child.once('exit', (code) => reject(new Error(`${variant}: exited with ${code}`)));
  });
  return {
    httpUrl: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const since = Date.now();
  const prefix = `bench-http-prof:${since}:`;
  const target =
    SERVICE === 'hello' || SERVICE === 'ours' ? await startApp(SERVICE, prefix) : await startServices(prefix);
  let result: autocannon.Result;
  let fromUs = 0;
  let toUs = 0;
  try {
    const url = target.httpUrl + PATH;
    const probe = await fetch(url);
    if (probe.status !== 200) throw new Error(`GET ${PATH}: ${probe.status} ${await probe.text()}`);
    // Warm-up outside the measured window, so JIT tiers and caches settle before sampling counts.
    await autocannon({ url, connections: 50, duration: 2 });
    fromUs = monotonicUs();
    result = await autocannon({ url, connections: 50, duration: DURATION_S });
    toUs = monotonicUs();
  } finally {
    await target.stop();
  }
  const { totalMs, self, layers } = breakdown(since, target.pid, fromUs, toUs);
  const requests = result.requests.total;
  const pct = (ms: number) => `${((100 * ms) / totalMs).toFixed(1).padStart(5)}%`;
  const perRequest = (ms: number) => `${((1000 * ms) / requests).toFixed(1).padStart(6)} µs/req`;
  process.stdout.write(
    `${SERVICE} ${PATH} on ${ADAPTER}: ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms\n`,
  );
  process.stdout.write(
    `measured window only: ${Math.round(totalMs)} ms sampled over ${requests} requests; by layer (inclusive, overlapping):\n`,
  );
  for (const [name, ms] of layers) process.stdout.write(`${pct(ms)} ${perRequest(ms)}  ${name}\n`);
  process.stdout.write(`self time, top 40:\n`);
  for (const [name, ms] of self.slice(0, 40)) process.stdout.write(`${pct(ms)} ${perRequest(ms)}  ${name}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
