/**
 * `npm run bench:events`: change events per second through outbox → Kafka → invalidation, and the
 * invalidation lag (the event's `occurredAt` → its cache eviction done), on this machine against the local
 * stack (`npm run stack:up`). Runs a real service in a child process (`workers/events-service.worker.ts`),
 * drives it over HTTP in two phases (a burst as fast as it goes, then a paced load at half that rate) and
 * writes `../BENCHMARKS.md` and `results/events-latest.json`. Loopback only; about a minute; hard limit 2 min.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { EventsBenchConfig, PhaseResult } from './workers/events-service.worker';

const HARD_LIMIT_MS = 120_000;
const root = join(__dirname, '..', '..', '..', '..');
const config: EventsBenchConfig = {
  runId: randomBytes(4).toString('hex'),
  items: 500,
  burstEvents: Number(process.env['BENCH_EVENTS'] ?? 5000),
  concurrency: 32,
  pacedSeconds: 10,
  pacedMaxRate: 1000,
};

/** Nearest-rank percentile of an ascending list. */
const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

interface PhaseSummary {
  name: string;
  events: number;
  targetRate: number | null;
  writesPerSecond: number;
  relayedPerSecond: number;
  eventsPerSecond: number;
  lagMs: { p50: number; p99: number; max: number; mean: number };
  redelivered: number;
  notEvicted: number;
  outboxPending: number;
  httpErrors: number;
}

const summarise = (phase: PhaseResult): PhaseSummary => ({
  name: phase.name,
  events: phase.events,
  targetRate: phase.targetRate,
  writesPerSecond: phase.events / phase.writeSeconds,
  relayedPerSecond: phase.events / phase.relaySeconds,
  eventsPerSecond: phase.events / phase.endToEndSeconds,
  lagMs: {
    p50: percentile(phase.lagsMs, 50),
    p99: percentile(phase.lagsMs, 99),
    max: phase.lagsMs[phase.lagsMs.length - 1],
    mean: phase.lagsMs.reduce((sum, lag) => sum + lag, 0) / phase.lagsMs.length,
  },
  redelivered: phase.redelivered,
  notEvicted: phase.notEvicted,
  outboxPending: phase.outboxPending,
  httpErrors: phase.httpErrors,
});

function run(): Promise<PhaseResult[]> {
  const child: ChildProcess = fork(
    join(__dirname, 'workers', 'events-service.worker.ts'),
    [JSON.stringify(config)],
    {
      execArgv: ['-r', join(__dirname, '..', '..', '..', '..', 'tools', 'bench', 'swc-register.cjs')],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const phases: PhaseResult[] = [];
  return new Promise<PhaseResult[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench:events exceeded ${HARD_LIMIT_MS / 1000} s`));
    }, HARD_LIMIT_MS);
    child.on('message', (message: { type: string; result?: PhaseResult; message?: string }) => {
      if (message.type === 'phase' && message.result) {
        phases.push(message.result);
        process.stdout.write(`  ${message.result.name}: ${message.result.events} events measured\n`);
      }
      if (message.type === 'error') reject(new Error(`bench service failed: ${message.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      process.removeListener('exit', killOnExit);
      if (code === 0 && phases.length === 2) resolve(phases);
      else reject(new Error(`bench service exited with ${code} after ${phases.length} phase(s)`));
    });
  });
}

/** Formats a written file with the repository's Prettier settings, so `format:check` stays green. */
async function prettierFile(file: string): Promise<void> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(readFileSync(file, 'utf8'), { ...options, filepath: file }));
}

function kafkaVersion(): string {
  try {
    return readFileSync(join(root, '.stack', 'kafka', 'libs', '.version'), 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** Which stage limited the burst: the relay, if it fell behind the writes, else the consumer. */
function stages(burst: PhaseSummary): string {
  const relayKeptUp = burst.relayedPerSecond >= 0.95 * burst.writesPerSecond;
  return relayKeptUp
    ? `In the burst the relay published as fast as the service wrote (${burst.relayedPerSecond.toFixed(0)}/s vs ` +
        `${burst.writesPerSecond.toFixed(0)}/s): the consumer's handling and eviction (` +
        `${burst.eventsPerSecond.toFixed(0)}/s) was the slowest stage.`
    : `In the burst the relay (${burst.relayedPerSecond.toFixed(0)}/s) fell behind the writes ` +
        `(${burst.writesPerSecond.toFixed(0)}/s).`;
}

function report(summaries: PhaseSummary[], startedAt: Date, seconds: number, load: number[]): string {
  const [burst, paced] = summaries;
  const checks = summaries.map(
    (s) =>
      `- ${s.name}: ${s.notEvicted} cached item(s) not evicted, ${s.outboxPending} outbox row(s) unsent, ` +
      `${s.httpErrors} HTTP error(s), ${s.redelivered} redelivered event(s) (handled once, deduplicated)`,
  );
  const row = (s: PhaseSummary) =>
    `| ${s.name} | ${s.events} | ${s.targetRate ?? 'max'} | ${s.writesPerSecond.toFixed(0)} | ` +
    `${s.relayedPerSecond.toFixed(0)} | ` +
    `**${s.eventsPerSecond.toFixed(0)}** | ${ms(s.lagMs.p50)} | ${ms(s.lagMs.p99)} | ${ms(s.lagMs.max)} |`;
  return `<!-- bench:events:start (generated by libs/shared/service-kit/bench/bench-events.ts; edit outside the markers) -->

## Results (\`npm run bench:events\`)

Run ${startedAt.toISOString()} on ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version},
Kafka ${kafkaVersion()} (single KRaft node, loopback), load average at start ${load.map((l) => l.toFixed(2)).join(' / ')}.
Total ${seconds.toFixed(0)} s.

| phase | events | target rate (ev/s) | writes/s | relayed to Kafka/s | end-to-end events/s | lag p50 (ms) | lag p99 (ms) | lag max (ms) |
| ----- | ------ | ------------------ | -------- | ------------------ | ------------------- | ------------ | ------------ | ------------ |
${row(burst)}
${row(paced)}

${stages(burst)}

Checks after each phase:

${checks.join('\n')}

<!-- bench:events:end -->`;
}

const HEADER = `# @platform/service-kit benchmarks

Regenerate with \`npm run bench:events\` (needs the local stack: \`npm run stack:up\`). The section between the
markers is rewritten by each run; raw numbers are in \`bench/results/events-latest.json\`.
`;

const METHOD = `
## What is measured

A real service (\`startServiceApp\`, the same bootstrap, outbox relay, Kafka consumer and cache as the four
services; its one feature is an \`items\` table) runs in a child process against the local Postgres, Kafka and
Redis. Each \`PATCH /items/:id\` changes a row and queues its change event in \`outbox_events\` in the same
transaction; the relay (woken by the commit's NOTIFY) publishes it with the idempotent producer (acks=all,
key = item id); the service's consumer validates it, deduplicates it by \`eventId\` (inbox), evicts
\`item:{id}\` through the \`EventInvalidator\` (L2 delete + bus to every instance's L1) and records the time.

- **end-to-end events/s**: events of the phase ÷ (first write → last eviction). The burst phase writes as fast
  as 32 concurrent HTTP clients can (500 items, each updated in order), so this is the pipeline's throughput on
  this machine, with the writes, the relay, the broker and the consumer sharing its cores.
- **lag**: per event, \`occurredAt\` (set when the use case builds the event, inside the transaction) → the
  eviction resolved; it includes the commit, the relay's pick-up, the produce round trip, the consumer's fetch
  and the eviction. Under the burst it is mostly queueing behind the backlog; the paced phase (half the
  burst's rate) shows the lag of a system that keeps up.
- The item keys are cached before each phase and checked afterwards: every one must be gone.
`;

async function main(): Promise<void> {
  const startedAt = new Date();
  const load = loadavg();
  process.stdout.write(`bench:events run ${config.runId}: ${config.burstEvents} burst events, then paced\n`);
  const phases = await run();
  const summaries = phases.map(summarise);
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  const json = join(__dirname, 'results', 'events-latest.json');
  writeFileSync(json, `${JSON.stringify({ startedAt, config, load, seconds, summaries }, null, 2)}\n`);
  await prettierFile(json);
  const path = join(__dirname, '..', 'BENCHMARKS.md');
  let existing = '';
  try {
    existing = readFileSync(path, 'utf8');
  } catch {
    existing = `${HEADER}\n<!-- bench:events:start -->\n<!-- bench:events:end -->\n${METHOD}`;
  }
  const section = report(summaries, startedAt, seconds, load);
  const updated = existing.replace(/<!-- bench:events:start[\s\S]*?<!-- bench:events:end -->/, section);
  writeFileSync(path, updated);
  await prettierFile(path);
  for (const s of summaries) {
    process.stdout.write(
      `${s.name.padEnd(6)} ${s.events} events: ${s.eventsPerSecond.toFixed(0)} events/s end to end ` +
        `(writes ${s.writesPerSecond.toFixed(0)}/s, relayed ${s.relayedPerSecond.toFixed(0)}/s), lag p50 ${ms(s.lagMs.p50)} ms, p99 ${ms(s.lagMs.p99)} ms, ` +
        `max ${ms(s.lagMs.max)} ms\n`,
    );
  }
  const failed = summaries.filter((s) => s.notEvicted > 0 || s.outboxPending > 0 || s.httpErrors > 0);
  if (failed.length > 0) throw new Error(`checks failed in: ${failed.map((s) => s.name).join(', ')}`);
  process.stdout.write(`wrote ${path}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`bench:events failed: ${error.message}\n`);
  process.exit(1);
});
