/**
 * `npm run bench:analytics`: the analytics service's heavy aggregate endpoints over ≥ 1M seeded call records,
 * cached vs uncached, side by side in one run.
 *
 * Seeds call records with generate_series (a progress bar while seeding) into a schema of this run, refreshes
 * the materialized views, then starts the real analytics service twice on that data, from its bundle: with
 * `CACHE_ENABLED=false` (every answer computed: the views and counters, or the records for revenue) and with
 * the cache on. For each endpoint it drives autocannon over loopback for a short window per mode and prints
 * average and p99 response times and req/s side by side, plus the same figure computed straight from
 * `call_records` (the SQL the views replace), timed from a plain pg client. A routing service runs beside
 * them because the revenue view carries the buyer's routing criteria.
 *
 * Options (env): BENCH_ANALYTICS_CALLS (1000000), BENCH_ANALYTICS_BUYERS (1000), BENCH_ANALYTICS_DURATION_S (8),
 * BENCH_ANALYTICS_CONNECTIONS (16); `--quick` (200k calls, 3 s windows). Stops by itself (watchdog); the run's
 * schemas are dropped at the end (its Redis keys, under the run's own prefixes, expire with their TTLs).
 */
import autocannon from 'autocannon';
import { Presets, SingleBar } from 'cli-progress';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { Topic } from '@platform/contracts';
import { dropSchema, stackEnv, startGroupAtTopicEnds } from '@platform/service-kit/testing';
import { startService, stopService, type ServiceProcess } from '../test/service-process';

const QUICK = process.argv.includes('--quick');
const num = (name: string, full: number, quick: number) =>
  Number(process.env[name] ?? (QUICK ? quick : full));
const CALLS = num('BENCH_ANALYTICS_CALLS', 1_000_000, 200_000);
const BUYERS = num('BENCH_ANALYTICS_BUYERS', 1000, 1000);
const DURATION_S = num('BENCH_ANALYTICS_DURATION_S', 8, 3);
const CONNECTIONS = num('BENCH_ANALYTICS_CONNECTIONS', 16, 8);
const DAYS = 30;
const CHUNK = 100_000;
const BUDGET_MS = 15 * 60_000;

const run = randomUUID().slice(0, 8);
const schema = `analytics_bench_${run}`;
const routingSchema = `routing_bench_${run}`;
const started: ServiceProcess[] = [];

/** One endpoint under test: its path, and the SQL over `call_records` that computes the same figure. */
interface Endpoint {
  name: string;
  path: string;
  rawSql: string;
  rawParams: unknown[];
}

function endpoints(): Endpoint[] {
  const closedHour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000).toISOString();
  const month = new Date().toISOString().slice(0, 7);
  return [
    {
      name: 'calls of one closed hour',
      path: `/analytics/calls/${closedHour.slice(0, 10)}/${closedHour.slice(11, 13)}`,
      rawSql: `SELECT count(*), count(*) FILTER (WHERE outcome = 'connected'), sum(revenue_cents), sum(duration_seconds)
                 FROM "${schema}".call_records WHERE started_at >= $1 AND started_at < $1::timestamptz + interval '1 hour'`,
      rawParams: [closedHour],
    },
    {
      name: 'KPI: connect rate, 30 days',
      path: '/analytics/performance/connect-rate',
      rawSql: `SELECT (started_at AT TIME ZONE 'UTC')::date, count(*) FILTER (WHERE outcome = 'connected')::float8 / count(*)
                 FROM "${schema}".call_records WHERE started_at > now() - interval '${DAYS} days' GROUP BY 1 ORDER BY 1`,
      rawParams: [],
    },
    {
      name: 'revenue of the top buyer, this month',
      path: `/analytics/revenue/buyer-0?period=${month}`,
      rawSql: `SELECT count(*), count(*) FILTER (WHERE outcome = 'connected'), sum(revenue_cents)
                 FROM "${schema}".call_records WHERE buyer_id = 'buyer-0' AND started_at >= date_trunc('month', now())`,
      rawParams: [],
    },
  ];
}

/** Inserts CALLS records over the last DAYS days (buyers Zipf-ish: buyer-0 busiest), then the views. */
async function seed(client: Client): Promise<void> {
  const bar = new SingleBar(
    { format: 'seeding {bar} {percentage}% | {value}/{total} call records', hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(CALLS, 0);
  for (let from = 0; from < CALLS; from += CHUNK) {
    const to = Math.min(from + CHUNK, CALLS);
    await client.query(
      `INSERT INTO "${schema}".call_records
         (call_id, buyer_id, state, started_at, duration_seconds, revenue_cents, outcome, created_at)
       SELECT 'bench-' || i, 'buyer-' || floor(power(random(), 3) * $3)::int, 'CA',
              now() - random() * interval '${DAYS} days', (random() * 600)::int, (random() * 5000)::int,
              (ARRAY['connected','connected','connected','missed','rejected','failed'])[1 + floor(random() * 6)::int],
              now() - interval '${DAYS + 1} days'
         FROM generate_series($1::int, $2::int - 1) AS i`,
      [from, to, BUYERS],
    );
    bar.update(to);
  }
  bar.stop();
  await client.query(`
    INSERT INTO "${schema}".call_hour_counters
    SELECT date_trunc('hour', started_at), count(*), count(*) FILTER (WHERE outcome = 'connected'),
           sum(revenue_cents), sum(duration_seconds) FROM "${schema}".call_records GROUP BY 1
    ON CONFLICT (hour) DO NOTHING`);
  for (const view of ['call_metrics_hourly', 'call_kpis_daily']) {
    await client.query(`REFRESH MATERIALIZED VIEW "${schema}".${view}`);
  }
  await client.query(`ANALYZE "${schema}".call_records`);
}

interface Figures {
  avgMs: number;
  p99Ms: number;
  reqPerSec: number;
  non2xx: number;
}

async function drive(url: string): Promise<Figures> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  return {
    avgMs: result.latency.average,
    p99Ms: result.latency.p99,
    reqPerSec: result.requests.average,
    non2xx: result.non2xx + result.errors,
  };
}

/** The raw SQL, run sequentially for the window's length from one client: what a request would cost without views. */
async function timeRaw(client: Client, endpoint: Endpoint): Promise<Figures> {
  const samples: number[] = [];
  const end = performance.now() + Math.min(DURATION_S, 5) * 1000;
  while (performance.now() < end || samples.length < 3) {
    const t0 = performance.now();
    await client.query(endpoint.rawSql, endpoint.rawParams);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const avg = samples.reduce((a, b) => a + b, 0) / samples.length;
  return {
    avgMs: avg,
    p99Ms: samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))],
    reqPerSec: 1000 / avg,
    non2xx: 0,
  };
}

const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

async function main(): Promise<void> {
  const env = stackEnv();
  for (const name of ['DATABASE_URL', 'REDIS_URL']) {
    const host = new URL(env[name]).hostname;
    if (!['127.0.0.1', 'localhost', '::1'].includes(host))
      throw new Error(`${name} is not loopback (${host})`);
  }
  const load = loadavg();
  const watchdog = setTimeout(() => {
    process.stderr.write('bench:analytics: over its time budget; stopping\n');
    void cleanUp(env).finally(() => process.exit(1));
  }, BUDGET_MS);
  watchdog.unref();
  const client = new Client({ connectionString: env['DATABASE_URL'] });
  await client.connect();
  try {
    const routing = await startService('routing', {
      DB_SCHEMA: routingSchema,
      CACHE_PREFIX: `bench-an-${run}-r:`,
      LOG_LEVEL: 'warn',
    });
    started.push(routing);
    const common = {
      DB_SCHEMA: schema,
      LOG_LEVEL: 'warn',
      ANALYTICS_VIEW_REFRESH_MS: '0',
      // Exactly the seeded records: not the calls other runs' won bids sold (replayed from the shared topic).
      ANALYTICS_CALLS_FROM_BIDS: 'false',
      ROUTING_GRPC_ADDRESS: routing.grpcAddress,
      NODE_ENV: 'production',
      // The bench sends no tokens: it measures the cache, not JWT checks (production requires a choice).
      AUTH_MODE: 'off',
      // One client firing thousands of requests: the per-client limit (on in production) would measure 429s.
      RATE_LIMIT_ENABLED: 'false',
    };
    // Each new consumer group starts at the topics' ends: replaying earlier runs' events would be measured too.
    const brokers = stackEnv()['KAFKA_BROKERS'].split(',');
    for (const mode of ['off', 'on'])
      await startGroupAtTopicEnds({ brokers, groupId: `bench-an-${run}-${mode}` }, Object.values(Topic));
    const off = await startService('analytics', {
      ...common,
      CACHE_ENABLED: 'false',
      CACHE_PREFIX: `bench-an-${run}-off:`,
      KAFKA_GROUP_ID: `bench-an-${run}-off`,
    });
    started.push(off);
    await seed(client);
    const on = await startService('analytics', {
      ...common,
      CACHE_PREFIX: `bench-an-${run}-on:`,
      KAFKA_GROUP_ID: `bench-an-${run}-on`,
    });
    started.push(on);

    const rows: string[][] = [
      [
        'endpoint',
        'raw SQL avg / p99 (ms)',
        'uncached avg / p99 (ms)',
        'cached avg / p99 (ms)',
        'req/s uncached → cached',
        'cached ÷ uncached p99',
      ],
    ];
    for (const endpoint of endpoints()) {
      process.stdout.write(`  … ${endpoint.name}\n`);
      const raw = await timeRaw(client, endpoint);
      const uncached = await drive(`${off.httpUrl}${endpoint.path}`);
      await fetch(`${on.httpUrl}${endpoint.path}`); // the one miss that fills the cache
      const cached = await drive(`${on.httpUrl}${endpoint.path}`);
      if (uncached.non2xx + cached.non2xx > 0) {
        throw new Error(
          `${endpoint.path}: ${uncached.non2xx} / ${cached.non2xx} failed requests (uncached / cached)`,
        );
      }
      rows.push([
        endpoint.name,
        `${ms(raw.avgMs)} / ${ms(raw.p99Ms)}`,
        `${ms(uncached.avgMs)} / ${ms(uncached.p99Ms)}`,
        `${ms(cached.avgMs)} / ${ms(cached.p99Ms)}`,
        `${uncached.reqPerSec.toFixed(0)} → ${cached.reqPerSec.toFixed(0)}`,
        `${(cached.p99Ms / Math.max(uncached.p99Ms, 0.001)).toFixed(2)}×`,
      ]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
    process.stdout.write(
      `\nbench:analytics — ${CALLS.toLocaleString('en')} call records over ${DAYS} days, ${BUYERS} buyers; autocannon ${CONNECTIONS} connections × ${DURATION_S} s per cell, loopback\n` +
        `machine: ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores, Node ${process.version}, load average at start ${load.map((x) => x.toFixed(2)).join(' / ')}\n` +
        'raw SQL = the figure computed from call_records by one pg client (what the views replace); uncached = the service with CACHE_ENABLED=false (views/counters, revenue from the records); cached = the same service with its cache on (L1 hits after one miss)\n\n' +
        [
          line(rows[0]),
          `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
          ...rows.slice(1).map(line),
        ].join('\n') +
        '\n',
    );
  } finally {
    await client.end().catch(() => undefined);
    await cleanUp(env);
    clearTimeout(watchdog);
  }
}

async function cleanUp(env: Record<string, string>): Promise<void> {
  await Promise.all(started.map((service) => stopService(service).catch(() => undefined)));
  await dropSchema(env['DATABASE_URL'], schema).catch(() => undefined);
  await dropSchema(env['DATABASE_URL'], routingSchema).catch(() => undefined);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench:analytics failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
