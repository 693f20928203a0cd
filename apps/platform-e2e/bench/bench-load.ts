/**
 * `npm run bench:load`: the spec's load targets measured on the real services, cache on vs cache off in one run.
 *
 * Starts the bid and routing services as real processes from their bundles (platform-e2e's `startService`), on
 * the local stack's Postgres, Redis and Kafka, in schemas, cache prefixes and consumer groups of this run. Seeds
 * ≥ 100k bids and ≥ 10k buyers with generate_series (a progress bar while seeding), then drives each service with
 * autocannon over loopback: the Zipf-distributed mix of `load-mix.ts` (95 % reads, 5 % writes through the
 * outbox), first with `CACHE_ENABLED=false`, then with the cache on, on the same code and data. A warm-up precedes
 * each measured window (with the cache on, until the hit rate is steady); the services' `/metrics` counters and
 * every process's CPU (`/proc`) are read before and after it.
 *
 * Prints, side by side against the spec's targets: hit rate per layer (L1 of all lookups, L2 of L1 misses,
 * overall) next to the rate the mix allows (`hit-ceiling.ts`), average and p99 response time (saturated, and at a
 * paced rate both modes serve without queueing), req/s per service instance, DB queries and CPU per request (per service, Postgres, Redis, Kafka, autocannon), the CPU of one L1
 * hit against one Postgres read, the services' CPU with no traffic, and the CPU other work took (past 10 % the
 * on ÷ off ratios are not judged). The full run writes the table, command and machine between the markers of
 * `apps/BENCHMARKS.md`.
 *
 * Options: `--quick` (a smaller data set and short windows, for development; prints only), or env
 * BENCH_LOAD_BIDS (100000), BENCH_LOAD_BUYERS (10000), BENCH_LOAD_WARMUP_S (10), BENCH_LOAD_DURATION_S (30),
 * BENCH_LOAD_STEADY_WINDOW_S (30), BENCH_LOAD_STEADY_MAX_S (300), BENCH_LOAD_PACED_RPS (150, the total rate of the
 * paced window), BENCH_LOAD_PACED_S (20), BENCH_LOAD_CONNECTIONS (32, split between the services by their share
 * of the mix), BENCH_LOAD_ZIPF (0.99), BENCH_LOAD_INSTANCES (2), BENCH_LOAD_ONLY (route
 * names, comma-separated: only those routes), BENCH_LOAD_NODE_OPTIONS and CPU_PROFILE_DIR (see `cpu-profile.cjs`).
 * Everything stops by itself: a watchdog ends the run (exit 1) past its time budget; schemas and Redis keys of
 * the run are dropped at the end.
 */
import autocannon from 'autocannon';
import { SingleBar, Presets } from 'cli-progress';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { mulberry32, zipfSampler } from '@platform/cache/testing';
import { hitCeiling } from './hit-ceiling';
import { Topic } from '@platform/contracts';
import { dropSchema, stackEnv, startGroupAtTopicEnds } from '@platform/service-kit/testing';
import { spawnService, startService, stopService, type ServiceProcess } from '../test/service-process';
import {
  LOAD_MIX,
  SEEDS,
  type KeySpace,
  type LoadDataSet,
  type LoadRoute,
  type LoadService,
} from './load-mix';
import {
  add,
  commandCpuMs,
  cpuGrowth,
  delta,
  hitRates,
  machineBusyMs,
  processCpuMs,
  scrapeCounters,
  type ServiceCounters,
} from './service-metrics';

const QUICK = process.argv.includes('--quick');
const num = (name: string, full: number, quick: number) =>
  Number(process.env[name] ?? (QUICK ? quick : full));
const DATA: LoadDataSet = {
  bids: num('BENCH_LOAD_BIDS', 100_000, 100_000),
  buyers: num('BENCH_LOAD_BUYERS', 10_000, 10_000),
};
const WARMUP_S = num('BENCH_LOAD_WARMUP_S', 10, 3);
const DURATION_S = num('BENCH_LOAD_DURATION_S', 30, 5);
/**
 * Cache on: after the fixed warm-up, the mix keeps running in windows of this length until the overall hit rate
 * of a window moved less than {@link STEADY_DELTA} from the previous one (steady state), or {@link
 * STEADY_MAX_S} passed. The spec's hit rates are steady-state figures; the first read of each of 110,000 keys
 * is not what they measure.
 */
const STEADY_WINDOW_S = num('BENCH_LOAD_STEADY_WINDOW_S', 30, 5);
const STEADY_DELTA = 0.005;
/**
 * Most CPU other work on the machine (not the services, Postgres, Redis, Kafka or autocannon) may take in a
 * window, as a share of all cores, for the on ÷ off ratios to be judged.
 */
const OTHER_LOAD_LIMIT = 0.1;
/** Seconds with no traffic after start-up, to measure the services' background CPU. */
const IDLE_S = 5;
/** Seconds of {@link ONE_KEY_ROUTE} on one key after the measured window: the cost of a hit vs a DB read. */
const ONE_KEY_S = 5;
const ONE_KEY_ROUTE = LOAD_MIX.find((route) => route.name === 'GET /bids/:id') as LoadRoute;
/**
 * After the measured window, the mix at a fixed total rate both modes can serve (a third of what the cache-off
 * services managed in earlier runs), for {@link PACED_S} seconds: the response time a caller sees at ordinary
 * load, without the queueing of the saturated window (there, with 32 connections on 2 cores, the average
 * response is the connections divided by the throughput, so it only restates req/s).
 */
const PACED_RPS = num('BENCH_LOAD_PACED_RPS', 150, 100);
const PACED_S = num('BENCH_LOAD_PACED_S', 20, 5);
const STEADY_MAX_S = num('BENCH_LOAD_STEADY_MAX_S', 300, 30);
/** Only these routes of the mix (comma-separated names), for profiling one route; the report says so. */
const ONLY = process.env['BENCH_LOAD_ONLY']?.split(',').map((name) => name.trim());
const MIX = ONLY ? LOAD_MIX.filter((route) => ONLY.includes(route.name)) : LOAD_MIX;
const CONNECTIONS = num('BENCH_LOAD_CONNECTIONS', 32, 16);
const ZIPF_S = num('BENCH_LOAD_ZIPF', 0.99, 0.99);
/** Processes per service: L2 and the invalidation bus only matter once a key is read on more than one. */
const INSTANCES = num('BENCH_LOAD_INSTANCES', 2, 1);
const SEED_CHUNK = 10_000;
/** Past this the watchdog stops everything: start-up, seeding and both modes, with room to spare. */
const BUDGET_MS =
  (240 + 60 * INSTANCES + 2 * (WARMUP_S + DURATION_S + PACED_S) + STEADY_MAX_S + STEADY_WINDOW_S) * 1000;
const SERVICES: readonly LoadService[] = ['routing', 'bid']; // bid calls routing: routing starts first
const MODES = ['off', 'on'] as const;
type Mode = (typeof MODES)[number];
const ROOT = join(__dirname, '..', '..', '..');
const BENCHMARKS_MD = join(ROOT, 'apps', 'BENCHMARKS.md');
const START = '<!-- bench:load:start (generated by apps/platform-e2e/bench/bench-load.ts) -->';
const END = '<!-- bench:load:end -->';

/** What one service did in one measured window. */
interface ServiceRun {
  readonly requests: number;
  readonly reqPerSec: number;
  readonly avgMs: number;
  readonly p99Ms: number;
  readonly failed: number;
  readonly counters: ServiceCounters;
}

type ModeRun = Record<LoadService, ServiceRun>;

const run = randomUUID().slice(0, 8);
/** Production mode requires a phone-hash pepper (bid hashes numbers for its DNC copies): one per run. */
const PEPPER = randomBytes(24).toString('hex');
const schemaOf = (service: LoadService) => `${service}_load_${run}`;
const prefixOf = (mode: Mode) => `bench-load-${run}-${mode}:`;
const started: ServiceProcess[] = [];

function assertLoopback(env: Record<string, string>): void {
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS']) {
    const host = new URL(name === 'KAFKA_BROKERS' ? `kafka://${env[name].split(',')[0]}` : env[name])
      .hostname;
    if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
      throw new Error(`bench:load only targets loopback; ${name} points at ${host}`);
    }
  }
}

/** The Kafka brokers and consumer group a service environment names. */
const groupOf = (env: Record<string, string>) => ({
  brokers: stackEnv()['KAFKA_BROKERS'].split(','),
  groupId: env['KAFKA_GROUP_ID'],
});

/** Environment of one service in one mode. */
function serviceEnv(service: LoadService, mode: Mode, peers: Record<string, string>): Record<string, string> {
  return {
    NODE_ENV: 'production',
    // The bench sends no tokens: it measures the cache, not JWT checks (production requires a choice).
    AUTH_MODE: 'off',
    // One client firing thousands of requests: the per-client limit (on in production) would measure 429s.
    RATE_LIMIT_ENABLED: 'false',
    COMPLIANCE_PHONE_HASH_PEPPER: PEPPER,
    DB_SCHEMA: schemaOf(service),
    CACHE_ENABLED: String(mode === 'on'),
    CACHE_PREFIX: `${prefixOf(mode)}${service}:`,
    KAFKA_GROUP_ID: `${service}-bench-load-${run}-${mode}`,
    LOG_LEVEL: 'warn',
    // Profiling a run (`--cpu-prof` is not allowed in NODE_OPTIONS): BENCH_LOAD_NODE_OPTIONS='--require
    // ./apps/platform-e2e/bench/cpu-profile.cjs' and CPU_PROFILE_DIR=/tmp/prof, one profile per service process.
    ...(process.env['BENCH_LOAD_NODE_OPTIONS']
      ? { NODE_OPTIONS: process.env['BENCH_LOAD_NODE_OPTIONS'] }
      : {}),
    ...(process.env['CPU_PROFILE_DIR'] ? { CPU_PROFILE_DIR: process.env['CPU_PROFILE_DIR'] } : {}),
    ...peers,
  };
}

async function migrate(env: Record<string, string>): Promise<void> {
  for (const service of SERVICES) {
    const child = spawnService(service, { ...env, ...serviceEnv(service, 'off', {}) }, ['migrate']);
    const { code } = await child.exited;
    if (code !== 0) throw new Error(`${service} migrate failed:\n${child.output()}`);
  }
}

/** Inserts the data set in chunks of generate_series, with a progress bar. */
async function seed(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const total = SEEDS.reduce((rows, s) => rows + DATA[s.keys], 0);
  const bar = new SingleBar(
    { format: 'seeding {bar} {percentage}% | {value}/{total} rows | {table}', hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0, { table: '' });
  try {
    for (const s of SEEDS) {
      const sql = s.sql(schemaOf(s.service), DATA);
      for (let from = 0; from < DATA[s.keys]; from += SEED_CHUNK) {
        const to = Math.min(from + SEED_CHUNK, DATA[s.keys]);
        await client.query(sql, [from, to]);
        bar.increment(to - from, { table: `${s.service} ${s.keys}` });
      }
      await client.query(
        `ANALYZE "${schemaOf(s.service)}".${s.keys === 'bids' ? 'bids' : 'buyer_routing_criteria'}`,
      );
    }
  } finally {
    bar.stop();
    await client.end();
  }
}

/** Answers other than 2xx, by route name and status: a mix that sends wrong keys shows up here. */
type Failures = Map<string, Map<number, number>>;

/** Draws requests of `routes` by their weights, each with a Zipf-distributed key of the route's key space. */
function requestSource(
  routes: readonly LoadRoute[],
  random: () => number,
): () => { route: LoadRoute; key: number } {
  const weight = routes.reduce((w, r) => w + r.weight, 0);
  const samplers: Record<KeySpace, () => number> = {
    bids: zipfSampler(DATA.bids, ZIPF_S, random),
    buyers: zipfSampler(DATA.buyers, ZIPF_S, random),
  };
  return () => {
    let x = random() * weight;
    let route = routes[routes.length - 1];
    for (const r of routes)
      if ((x -= r.weight) < 0) {
        route = r;
        break;
      }
    return { route, key: samplers[route.keys]() };
  };
}

/** Drives every instance of every service with the service's part of the mix for `seconds`, all at once. */
async function drive(
  services: Record<LoadService, ServiceProcess[]>,
  seconds: number,
  seed: number,
  failures: Failures = new Map(),
  mix: readonly LoadRoute[] = MIX,
  oneKey?: number,
): Promise<Record<LoadService, autocannon.Result[]>> {
  const mixWeight = mix.reduce((w, r) => w + r.weight, 0);
  const runs = SERVICES.map(async (service, index) => {
    const routes = mix.filter((r) => r.service === service);
    const weight = routes.reduce((w, r) => w + r.weight, 0);
    const instances = weight > 0 ? services[service] : [];
    const results = instances.map((instance, i) => {
      const random = mulberry32(seed * 1000 + index * 100 + i);
      const next = requestSource(routes, random);
      return autocannon({
        url: instance.httpUrl,
        connections: Math.max(1, Math.round((CONNECTIONS * weight) / mixWeight / instances.length)),
        duration: seconds,
        requests: [
          {
            setupRequest: (request, context) => {
              const { route, key } = next();
              (context as { route?: LoadRoute }).route = route;
              const { method, path, body } = route.request(oneKey ?? key, random);
              return {
                ...request,
                method,
                path,
                headers: { 'content-type': 'application/json' },
                body: body === undefined ? undefined : JSON.stringify(body),
              };
            },
            onResponse: (status, _body, context) => {
              if (status >= 200 && status < 300) return;
              const name = (context as { route?: LoadRoute }).route?.name ?? '?';
              const byStatus = failures.get(name) ?? new Map<number, number>();
              byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
              failures.set(name, byStatus);
            },
          },
        ],
      });
    });
    return [service, await Promise.all(results)] as const;
  });
  return Object.fromEntries(await Promise.all(runs)) as Record<LoadService, autocannon.Result[]>;
}

/** Response times of one instance over a paced window. */
interface PacedRun {
  readonly latenciesMs: number[];
  readonly failed: number;
}

/**
 * The mix at `totalRate` requests per second in all, open loop: each instance gets its service's share of the
 * rate, and every request is sent at its scheduled moment (t0 + k / rate) whether or not earlier ones have
 * answered, on keep-alive connections. A response time runs from the scheduled moment, so a client or server
 * that falls behind shows it (no coordinated omission). Not autocannon's `overallRate`: on a bare `node:http`
 * server answering at once, it reported 11 ms on average at 50 req/s over 8 connections (0.5 ms unpaced).
 */
async function drivePaced(
  services: Record<LoadService, ServiceProcess[]>,
  seconds: number,
  totalRate: number,
  seed: number,
  failures: Failures,
): Promise<Record<LoadService, PacedRun[]>> {
  const mixWeight = MIX.reduce((w, r) => w + r.weight, 0);
  const agent = new HttpAgent({ keepAlive: true, maxSockets: CONNECTIONS });
  const runInstance = async (routes: LoadRoute[], url: string, rate: number, random: () => number) => {
    const next = requestSource(routes, random);
    const latenciesMs: number[] = [];
    let failed = 0;
    const pending: Promise<void>[] = [];
    const t0 = performance.now() + 10;
    const count = Math.round(seconds * rate);
    for (let k = 0; k < count; k++) {
      const at = t0 + (k * 1000) / rate;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const { route, key } = next();
      const { method, path, body } = route.request(key, random);
      pending.push(
        send(url, agent, method, path, body).then((status) => {
          latenciesMs.push(performance.now() - at);
          if (status >= 200 && status < 300) return;
          failed++;
          const byStatus = failures.get(route.name) ?? new Map<number, number>();
          byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
          failures.set(route.name, byStatus);
        }),
      );
    }
    await Promise.all(pending);
    return { latenciesMs, failed };
  };
  try {
    const runs = SERVICES.map(async (service, index) => {
      const routes = MIX.filter((r) => r.service === service);
      const weight = routes.reduce((w, r) => w + r.weight, 0);
      const instances = weight > 0 ? services[service] : [];
      const rate = (totalRate * weight) / mixWeight / Math.max(1, instances.length);
      const results = instances.map((instance, i) =>
        runInstance(routes, instance.httpUrl, rate, mulberry32(seed * 1000 + index * 100 + i)),
      );
      return [service, await Promise.all(results)] as const;
    });
    return Object.fromEntries(await Promise.all(runs)) as Record<LoadService, PacedRun[]>;
  } finally {
    agent.destroy();
  }
}

/** One request on a keep-alive agent; resolves the status (0 when the request failed to get an answer). */
function send(url: string, agent: HttpAgent, method: string, path: string, body: unknown): Promise<number> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const request = httpRequest(
      `${url}${path}`,
      {
        method,
        agent,
        headers:
          payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', () => resolve(0));
      },
    );
    request.on('error', () => resolve(0));
    request.end(payload);
  });
}

/** The counters of every instance of every service, summed per service. */
async function scrapeAll(
  services: Record<LoadService, ServiceProcess[]>,
): Promise<Record<LoadService, ServiceCounters>> {
  const entries = await Promise.all(
    SERVICES.map(async (service) => {
      const counters = await Promise.all(
        services[service].map((instance) => scrapeCounters(instance.httpUrl)),
      );
      return [service, counters.reduce(add)] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<LoadService, ServiceCounters>;
}

/**
 * What `hit-ceiling.ts` says the mix allows: no expiry, and with the L2 TTLs at the measured request rate; with
 * the services' refill after a write, and without it (eviction only, as before the refill).
 */
interface Ceilings {
  readonly noExpiry: number;
  readonly atRate: number;
  readonly noRefill: { readonly noExpiry: number; readonly atRate: number };
  readonly reqPerSec: number;
  /**
   * The model at the spec's fleet rate ({@link FLEET_REQ_PER_SEC}), which this machine cannot send: with the
   * whole mix, and without the route decisions (whose routes every criteria write evicts).
   */
  readonly fleet: { readonly all: number; readonly noDecisions: number } | undefined;
}

/** The spec's request rate of today's fleet ("Requests/sec: 20,000"): the model's rate for the fleet row. */
const FLEET_REQ_PER_SEC = 20_000;
/** Simulated seconds before the fleet model counts: past routing's 15 min L2 TTL, so every key has cycled. */
const FLEET_WARMUP_S = 1000;

/** CPU ms used so far by each service's processes, by the stack's servers and by this process (autocannon). */
interface CpuSample {
  readonly at: number;
  readonly services: Record<LoadService, number>;
  readonly postgres: number;
  readonly redis: number;
  readonly kafka: number;
  readonly bench: number;
  /** Busy CPU ms of the whole machine (all cores), from `/proc/stat`. */
  readonly machine: number;
}

function sampleCpu(services: Record<LoadService, ServiceProcess[]>): CpuSnapshot {
  const of = (service: LoadService) =>
    services[service].reduce((ms, instance) => ms + processCpuMs(instance.child.pid ?? -1), 0);
  const usage = process.cpuUsage();
  return {
    at: Date.now(),
    services: { routing: of('routing'), bid: of('bid') },
    postgres: commandCpuMs(['postgres']),
    redis: commandCpuMs(['redis-server']),
    kafka: commandCpuMs(['java']),
    bench: (usage.user + usage.system) / 1000,
    machine: machineBusyMs(),
  };
}

/** CPU of every process at one moment, by pid for the stack's servers (see {@link cpuGrowth}). */
interface CpuSnapshot extends Omit<CpuSample, 'postgres' | 'redis' | 'kafka'> {
  readonly postgres: Map<number, number>;
  readonly redis: Map<number, number>;
  readonly kafka: Map<number, number>;
}

/** `after - before` of every CPU figure (ms), plus the window's wall time. */
function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): CpuSample {
  return {
    at: after.at - before.at,
    services: {
      routing: after.services.routing - before.services.routing,
      bid: after.services.bid - before.services.bid,
    },
    postgres: cpuGrowth(before.postgres, after.postgres),
    redis: cpuGrowth(before.redis, after.redis),
    kafka: cpuGrowth(before.kafka, after.kafka),
    bench: after.bench - before.bench,
    machine: after.machine - before.machine,
  };
}

/** One mode's measured window: per service, and the CPU of everything on the machine over the window. */
interface ModeResult {
  readonly services: ModeRun;
  readonly cpu: CpuSample;
  /** `GET /bids/:id` of the hottest bid only, after the measured window: bid's CPU per request and req/s. */
  readonly oneKey: { cpuMs: number; reqPerSec: number };
  /** The mix at {@link PACED_RPS} in all, after the measured window: response times per service. */
  readonly paced: Record<LoadService, ServiceRun>;
  /** CPU over {@link IDLE_S} with no requests, right after start-up. */
  readonly idle: CpuSample;
  /** Cache on: overall hit rate of each steady-state warm-up window, in order. */
  readonly warmup: { seconds: number; overall: (number | undefined)[] };
}

/**
 * Cache on: keeps the mix running in windows until the overall hit rate of a window is within {@link
 * STEADY_DELTA} of the previous window's (or {@link STEADY_MAX_S} passed). Returns the rates seen.
 */
async function warmToSteadyState(
  services: Record<LoadService, ServiceProcess[]>,
): Promise<{ seconds: number; overall: (number | undefined)[] }> {
  const overall: (number | undefined)[] = [];
  let seconds = 0;
  let before = await scrapeAll(services);
  for (let window = 0; seconds < STEADY_MAX_S; window++) {
    await drive(services, STEADY_WINDOW_S, 100 + window);
    seconds += STEADY_WINDOW_S;
    const after = await scrapeAll(services);
    const rate = hitRates(add(delta(before.bid, after.bid), delta(before.routing, after.routing))).overall;
    before = after;
    overall.push(rate);
    process.stdout.write(`cache on: steady-state warm-up ${seconds} s: overall hit rate ${pct(rate)}\n`);
    const previous = overall[overall.length - 2];
    if (rate !== undefined && previous !== undefined && Math.abs(rate - previous) < STEADY_DELTA) break;
  }
  return { seconds, overall };
}

/** One mode: start the services, warm up, measure, stop. */
async function measure(mode: Mode): Promise<ModeResult> {
  const services: Record<LoadService, ServiceProcess[]> = { routing: [], bid: [] };
  try {
    for (const service of SERVICES) {
      for (let i = 0; i < INSTANCES; i++) {
        const peers: Record<string, string> =
          service === 'bid' ? { ROUTING_GRPC_ADDRESS: services.routing[0].grpcAddress } : {};
        const env = serviceEnv(service, mode, peers);
        // The run's new consumer group starts at the topics' ends: replaying every earlier run's events (over
        // 100,000 on a long-lived stack) would be measured as the services' own CPU and latency.
        if (i === 0) await startGroupAtTopicEnds(groupOf(env), Object.values(Topic));
        const instance = await startService(service, env);
        started.push(instance);
        services[service].push(instance);
      }
    }
    // Background work with no traffic at all (Kafka consumers, outbox relay, bus heartbeat, warmers, jobs).
    const idleBefore = sampleCpu(services);
    await new Promise((resolve) => setTimeout(resolve, IDLE_S * 1000));
    const idle = cpuDelta(idleBefore, sampleCpu(services));
    process.stdout.write(`cache ${mode}: warm-up ${WARMUP_S} s…\n`);
    await drive(services, WARMUP_S, 1);
    const warmup = mode === 'on' ? await warmToSteadyState(services) : { seconds: 0, overall: [] };
    const before = await scrapeAll(services);
    const cpuBefore = sampleCpu(services);
    process.stdout.write(`cache ${mode}: measuring ${DURATION_S} s…\n`);
    const failures: Failures = new Map();
    const results = await drive(services, DURATION_S, 2, failures);
    const cpu = cpuDelta(cpuBefore, sampleCpu(services));
    for (const [name, byStatus] of failures) {
      const counts = [...byStatus].map(([status, count]) => `${count}× ${status}`).join(', ');
      process.stdout.write(`cache ${mode}: ${name} answered ${counts}\n`);
    }
    const after = await scrapeAll(services);
    const of = (service: LoadService): ServiceRun => {
      const rs = results[service];
      const requests = rs.reduce((n, r) => n + r.requests.total, 0);
      const seconds = Math.max(1, ...rs.map((r) => r.duration));
      return {
        requests,
        reqPerSec: requests / seconds / Math.max(1, rs.length),
        avgMs: rs.reduce((t, r) => t + r.latency.average * r.requests.total, 0) / Math.max(1, requests),
        p99Ms: Math.max(0, ...rs.map((r) => r.latency.p99)),
        failed: rs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
        counters: delta(before[service], after[service]),
      };
    };
    const measured = { routing: of('routing'), bid: of('bid') };
    process.stdout.write(`cache ${mode}: the mix at ${PACED_RPS} req/s for ${PACED_S} s…\n`);
    const pacedFailures: Failures = new Map();
    const pacedBefore = await scrapeAll(services);
    const pacedRuns = await drivePaced(services, PACED_S, PACED_RPS, 4, pacedFailures);
    const pacedAfter = await scrapeAll(services);
    for (const [name, byStatus] of pacedFailures) {
      const counts = [...byStatus].map(([status, count]) => `${count}× ${status}`).join(', ');
      process.stdout.write(`cache ${mode} (paced): ${name} answered ${counts}\n`);
    }
    const pacedOf = (service: LoadService): ServiceRun => {
      const runs = pacedRuns[service];
      const all = runs.flatMap((r) => r.latenciesMs);
      const p99 = (xs: number[]) =>
        [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(xs.length * 0.99) - 1)] ?? 0;
      return {
        requests: all.length,
        reqPerSec: all.length / PACED_S / Math.max(1, runs.length),
        avgMs: all.reduce((t, x) => t + x, 0) / Math.max(1, all.length),
        p99Ms: Math.max(0, ...runs.map((r) => p99(r.latenciesMs))),
        failed: runs.reduce((n, r) => n + r.failed, 0),
        counters: delta(pacedBefore[service], pacedAfter[service]),
      };
    };
    const paced = { routing: pacedOf('routing'), bid: pacedOf('bid') };
    // One route on one key: with the cache on every request is an L1 hit, with it off every one reads Postgres.
    const oneKeyBefore = sampleCpu(services);
    const oneKeyRuns = await drive(services, ONE_KEY_S, 3, new Map(), [ONE_KEY_ROUTE], 0);
    const oneKeyCpu = cpuDelta(oneKeyBefore, sampleCpu(services));
    const oneKeyRequests = oneKeyRuns.bid.reduce((n, r) => n + r.requests.total, 0);
    const oneKey = {
      cpuMs: oneKeyCpu.services.bid / Math.max(1, oneKeyRequests),
      reqPerSec: oneKeyRequests / ONE_KEY_S / INSTANCES,
    };
    return { services: measured, cpu, idle, warmup, oneKey, paced };
  } finally {
    await Promise.all([...services.bid, ...services.routing].map(stopService));
  }
}

const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${(x * 100).toFixed(1)} %`);
const ms = (x: number) => `${x.toFixed(2)} ms`;
const cpuMs = (x: number) => `${x.toFixed(2)} ms`;
/** A service instance's CPU over an idle window, in % of one core. */
const idleShare = (idle: CpuSample, service: LoadService) =>
  `${((100 * idle.services[service]) / INSTANCES / idle.at).toFixed(1)} % of a core`;
const perSecond = (r: ModeRun) => ((r.bid.requests + r.routing.requests) / DURATION_S).toFixed(0);
const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? ' PASS' : ' FAIL');
const atLeast = (x: number | undefined, target: number) => (x === undefined ? undefined : x >= target);

/** The side-by-side table, in Markdown. */
function table(results: Record<Mode, ModeResult>, ceilings: Ceilings): string {
  const on = results.on.services;
  const off = results.off.services;
  const total = (r: ModeRun) => add(r.bid.counters, r.routing.counters);
  const rates = hitRates(total(on));
  const cores = cpus().length;
  /** Share of the machine's CPU that neither the services, the stack's servers nor autocannon used. */
  const otherLoad = (mode: Mode) => {
    const c = results[mode].cpu;
    const others = c.machine - c.services.bid - c.services.routing - c.postgres - c.redis - c.kafka - c.bench;
    return Math.max(0, others) / (c.at * cores);
  };
  // A mode that shared the machine with someone else's work is slower for reasons of its own: its ratio
  // against the other mode says nothing about the cache, so it is not judged.
  const noisy = Math.max(otherLoad('on'), otherLoad('off')) > OTHER_LOAD_LIMIT;
  const judge = (ok: boolean) => (noisy ? ' NOT JUDGED (other load)' : mark(ok));
  const rows: string[][] = [
    ['figure', 'target', 'cache on', 'cache off', 'off ÷ on'],
    ['L1 hit rate (of all lookups)', '≥ 60 %', pct(rates.l1) + mark(atLeast(rates.l1, 0.6)), 'n/a', ''],
    ['L2 hit rate (of L1 misses)', '≥ 85 %', pct(rates.l2) + mark(atLeast(rates.l2, 0.85)), 'n/a', ''],
    ['overall hit rate', '≥ 95 %', pct(rates.overall) + mark(atLeast(rates.overall, 0.95)), 'n/a', ''],
    [
      'overall hit rate the mix allows (model)',
      '',
      `≤ ${pct(ceilings.noExpiry)} warmed, no expiry; ${pct(ceilings.atRate)} with L2 TTLs at ${ceilings.reqPerSec.toFixed(0)} req/s`,
      '',
      '',
    ],
    [
      'the same model without the refill after a write',
      '',
      `≤ ${pct(ceilings.noRefill.noExpiry)} warmed, no expiry; ${pct(ceilings.noRefill.atRate)} with L2 TTLs`,
      '',
      '',
    ],
  ];
  if (ceilings.fleet !== undefined)
    rows.push([
      `the same model at the spec's ${FLEET_REQ_PER_SEC.toLocaleString('en-US')} req/s (fleet)`,
      '',
      `${pct(ceilings.fleet.all)} with L2 TTLs; ${pct(ceilings.fleet.noDecisions)} without the route decisions`,
      '',
      '',
    ]);
  for (const service of SERVICES) {
    const a = on[service];
    const b = off[service];
    const lookups = (r: ServiceRun) => (r.counters.l1Hits + r.counters.l1Misses) / Math.max(1, r.requests);
    const serviceRates = hitRates(a.counters);
    const pacedOn = results.on.paced[service];
    const pacedOff = results.off.paced[service];
    rows.push(
      [
        `${service}: hit rate L1 / L2 / overall`,
        '60 / 85 / 95 %',
        `${pct(serviceRates.l1)} / ${pct(serviceRates.l2)} / ${pct(serviceRates.overall)}`,
        'n/a',
        '',
      ],
      [`${service}: cache lookups per request`, '', lookups(a).toFixed(2), lookups(b).toFixed(2), ''],
      [
        `${service}: average response (saturated)`,
        '≥ 10× lower',
        ms(a.avgMs) + judge(b.avgMs / a.avgMs >= 10),
        ms(b.avgMs),
        `${(b.avgMs / a.avgMs).toFixed(2)}×`,
      ],
      [
        `${service}: p99 response (saturated, worst instance)`,
        '≥ 10× lower',
        ms(a.p99Ms) + judge(b.p99Ms / a.p99Ms >= 10),
        ms(b.p99Ms),
        `${(b.p99Ms / a.p99Ms).toFixed(2)}×`,
      ],
      [
        `${service}: average response at ${PACED_RPS} req/s in all (paced)`,
        '≥ 10× lower',
        ms(pacedOn.avgMs) + judge(pacedOff.avgMs / pacedOn.avgMs >= 10),
        ms(pacedOff.avgMs),
        `${(pacedOff.avgMs / pacedOn.avgMs).toFixed(2)}×`,
      ],
      [
        `${service}: p99 response at ${PACED_RPS} req/s in all (paced, worst instance)`,
        '≥ 10× lower',
        ms(pacedOn.p99Ms) + judge(pacedOff.p99Ms / pacedOn.p99Ms >= 10),
        ms(pacedOff.p99Ms),
        `${(pacedOff.p99Ms / pacedOn.p99Ms).toFixed(2)}×`,
      ],
      [
        `${service}: requests / non-2xx or errors (paced)`,
        '0 failed',
        `${pacedOn.requests} / ${pacedOn.failed}`,
        `${pacedOff.requests} / ${pacedOff.failed}`,
        '',
      ],
      [
        `${service}: req/s (one instance)`,
        '≥ 10× higher',
        a.reqPerSec.toFixed(0) + judge(a.reqPerSec / b.reqPerSec >= 10),
        b.reqPerSec.toFixed(0),
        `${(a.reqPerSec / b.reqPerSec).toFixed(2)}× (on ÷ off)`,
      ],
      [
        `${service}: CPU per request (its processes)`,
        '',
        cpuMs(results.on.cpu.services[service] / Math.max(1, a.requests)),
        cpuMs(results.off.cpu.services[service] / Math.max(1, b.requests)),
        `${(
          results.off.cpu.services[service] /
          Math.max(1, b.requests) /
          (results.on.cpu.services[service] / Math.max(1, a.requests))
        ).toFixed(2)}×`,
      ],
      [
        `${service}: CPU with no traffic (one instance)`,
        '',
        idleShare(results.on.idle, service),
        idleShare(results.off.idle, service),
        '',
      ],
      [
        `${service}: DB queries per request`,
        '',
        (a.counters.dbQueries / Math.max(1, a.requests)).toFixed(3),
        (b.counters.dbQueries / Math.max(1, b.requests)).toFixed(3),
        '',
      ],
      [
        `${service}: requests / non-2xx or errors`,
        '0 failed',
        `${a.requests} / ${a.failed}`,
        `${b.requests} / ${b.failed}`,
        '',
      ],
    );
  }
  const requests = (r: ModeRun) => r.bid.requests + r.routing.requests;
  const perRequest = (mode: Mode, pick: (cpu: CpuSample) => number) =>
    cpuMs(pick(results[mode].cpu) / Math.max(1, requests(results[mode].services)));
  const busy = (mode: Mode) =>
    `${((100 * results[mode].cpu.machine) / (results[mode].cpu.at * cores)).toFixed(0)} % of ${cores} cores`;
  const oneKey = (mode: Mode) => results[mode].oneKey;
  rows.push(
    [
      'bid: GET /bids/:id of one key: CPU per request',
      '',
      `${cpuMs(oneKey('on').cpuMs)} (L1 hit)`,
      `${cpuMs(oneKey('off').cpuMs)} (Postgres)`,
      `${(oneKey('off').cpuMs / oneKey('on').cpuMs).toFixed(2)}×`,
    ],
    [
      'bid: GET /bids/:id of one key: req/s (one instance)',
      '',
      oneKey('on').reqPerSec.toFixed(0),
      oneKey('off').reqPerSec.toFixed(0),
      `${(oneKey('on').reqPerSec / oneKey('off').reqPerSec).toFixed(2)}× (on ÷ off)`,
    ],
    ['all: req/s (whole machine)', '', perSecond(on), perSecond(off), ''],
    ['all: machine CPU busy in the window', '', busy('on'), busy('off'), ''],
    [
      'all: CPU used by other work on the machine',
      `≤ ${OTHER_LOAD_LIMIT * 100} % to judge ratios`,
      `${(otherLoad('on') * 100).toFixed(0)} % of ${cores} cores`,
      `${(otherLoad('off') * 100).toFixed(0)} % of ${cores} cores`,
      '',
    ],
    [
      'all: machine CPU per request',
      '',
      perRequest('on', (c) => c.machine),
      perRequest('off', (c) => c.machine),
      '',
    ],
    ...(
      [
        ['Postgres', (c: CpuSample) => c.postgres],
        ['Redis (all redis-server)', (c: CpuSample) => c.redis],
        ['Kafka', (c: CpuSample) => c.kafka],
        ['autocannon (bench process)', (c: CpuSample) => c.bench],
      ] as const
    ).map(([name, pick]) => [
      `all: ${name} CPU per request`,
      '',
      perRequest('on', pick),
      perRequest('off', pick),
      '',
    ]),
  );
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(rows[0]),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

function machine(load: number[]): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, Node ${process.version}, load average at start ${load
    .map((x) => x.toFixed(2))
    .join(' / ')}`;
}

function writeReport(report: string): void {
  const text = readFileSync(BENCHMARKS_MD, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < 0) throw new Error(`${BENCHMARKS_MD} has no bench:load markers`);
  writeFileSync(BENCHMARKS_MD, `${text.slice(0, start + START.length)}\n\n${report}\n\n${text.slice(end)}`);
}

async function cleanUp(env: Record<string, string>): Promise<void> {
  await Promise.all(started.map((service) => stopService(service).catch(() => undefined)));
  for (const service of SERVICES)
    await dropSchema(env['DATABASE_URL'], schemaOf(service)).catch(() => undefined);
  const redis = new Redis(env['REDIS_URL'], { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for (const mode of MODES) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefixOf(mode)}*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } catch {
    // Keys of the run expire with their TTLs anyway.
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const env = stackEnv();
  assertLoopback(env);
  const load = loadavg();
  const began = Date.now();
  const watchdog = setTimeout(() => {
    process.stderr.write(`bench:load: over its ${BUDGET_MS / 1000} s budget; stopping\n`);
    for (const service of started) service.child.kill('SIGKILL');
    process.exit(1);
  }, BUDGET_MS);
  try {
    process.stdout.write(
      `bench:load ${QUICK ? '(quick) ' : ''}run ${run}: ${DATA.bids} bids, ${DATA.buyers} buyers, Zipf(${ZIPF_S}), ` +
        `${INSTANCES} instance(s) per service, ${CONNECTIONS} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s per mode\n`,
    );
    await migrate(env);
    await seed(env['DATABASE_URL']);
    const results = {} as Record<Mode, ModeResult>;
    for (const mode of MODES) results[mode] = await measure(mode);
    const steady = results.on.warmup;
    process.stdout.write('modelling the hit rate the mix allows…\n');
    const onRate = (results.on.services.bid.requests + results.on.services.routing.requests) / DURATION_S;
    const model = (refill: boolean) => ({
      noExpiry: hitCeiling(DATA, ZIPF_S, {
        reqPerSec: Infinity,
        warmup: 0,
        requests: 500_000,
        mix: MIX,
        refill,
      }),
      atRate: hitCeiling(DATA, ZIPF_S, {
        reqPerSec: onRate,
        warmup: 1_000_000,
        requests: 500_000,
        mix: MIX,
        refill,
      }),
    });
    const atFleetRate = (mix: readonly LoadRoute[]) =>
      hitCeiling(DATA, ZIPF_S, {
        reqPerSec: FLEET_REQ_PER_SEC,
        warmup: FLEET_WARMUP_S * FLEET_REQ_PER_SEC,
        requests: 1_000_000,
        mix,
      });
    // Only for the whole mix (a BENCH_LOAD_ONLY run models its own routes) and not in --quick (~1 min of CPU).
    const fleet =
      ONLY || QUICK
        ? undefined
        : {
            all: atFleetRate(MIX),
            noDecisions: atFleetRate(MIX.filter((r) => r.name !== 'POST /routing/decisions')),
          };
    const ceilings: Ceilings = { ...model(true), noRefill: model(false), reqPerSec: onRate, fleet };
    const report = [
      `Run ${new Date().toISOString()} (\`npm run bench:load${QUICK ? ' -- --quick' : ''}\`, ${Math.round(
        (Date.now() - began) / 1000,
      )} s) on ${machine(load)}.`,
      '',
      `${DATA.bids} bids and ${DATA.buyers} buyers seeded; the mix of \`apps/platform-e2e/bench/load-mix.ts\` ` +
        `(${MIX.map((r) => `${r.name} ${r.weight} %`).join(', ')})${ONLY ? ' (only these routes: BENCH_LOAD_ONLY)' : ''}, ` +
        `keys Zipf(${ZIPF_S}); ${CONNECTIONS} connections over loopback. ` +
        `${INSTANCES} process(es) per service sharing L2 and the invalidation bus (connections split evenly, ` +
        "average response weighted by requests, p99 the worst instance's); the same code with `CACHE_ENABLED=false` " +
        '(off) and `true` (on), each mode on freshly started processes.',
      '',
      `Warm-up: ${WARMUP_S} s of the mix in both modes; with the cache on, the services' own warming runs as in ` +
        "production (bid pre-warms the top buyers' active bids at start-up, routing's predictive warmer refreshes " +
        `the keys its hot-key detector saw every 20 s), and the mix then kept running in ${STEADY_WINDOW_S} s windows ` +
        `until a window's overall hit rate was within ${(STEADY_DELTA * 100).toFixed(1)} point of the previous one (at most ` +
        `${STEADY_MAX_S} s): ${steady.seconds} s, overall hit rate per window ` +
        `${steady.overall.map((r) => pct(r)).join(' → ')}. Then ${DURATION_S} s measured per mode, as fast as the ` +
        `connections go (saturated: both modes use the whole machine, so their response times are queueing and ` +
        `restate req/s), and ${PACED_S} s of the same mix at ${PACED_RPS} req/s in all, which both modes serve ` +
        `without queueing (the response time a caller sees at ordinary load). Before the ` +
        `warm-up, ${IDLE_S} s with no traffic (the services' background CPU); after the window, ${ONE_KEY_S} s of ` +
        '`GET /bids/:id` of the hottest bid only (every request an L1 hit with the cache on, a Postgres read with ' +
        'it off): the CPU of a hit against a read, without the mix around it.',
      '',
      "Hit rates from the services' `cache_hits_total` / `cache_misses_total` (cache lookups only; the writes " +
        "`PATCH /bids/:id` and `PUT /routing/buyers/:buyerId` read no cache, and bid's " +
        '`GET /bids/buyers/:buyerId/active` on a miss asks routing over gRPC for the committed criteria, ' +
        "which routing reads from Postgres on purpose, counted in routing's DB queries but not its requests), " +
        'DB queries from `db_queries_total` (every statement, background jobs included), CPU from `/proc` ' +
        "(user + system of each process; the machine's from `/proc/stat`, other users included), all read " +
        'before and after the measured window.',
      '',
      table(results, ceilings),
    ].join('\n');
    process.stdout.write(`\n${report}\n`);
    if (!QUICK) writeReport(report);
  } finally {
    clearTimeout(watchdog);
    await cleanUp(env);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:load failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
