/**
 * `npm run bench:events`: change events per second through outbox → Kafka → invalidation, and the
 * invalidation lag (the event's `occurredAt` → its cache eviction done), on this machine against the local
 * stack (`npm run stack:up`). Runs a real service in a child process (`workers/events-service.worker.ts`),
 * writes entity changes in two phases (a burst as fast as it goes, then a paced load at half that rate,
 * capped at 1,000/s) and writes `../BENCHMARKS.md` and `results/events-latest.json`, printing the figures of
 * the recorded per-event run (`results/events-per-event-baseline.json`) beside this run's. Loopback only;
 * about a minute; hard limit 3 min.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { EventsBenchConfig, PhaseResult } from './workers/events-service.worker';

const HARD_LIMIT_MS = 180_000;
const root = join(__dirname, '..', '..', '..', '..');
const config: EventsBenchConfig = {
  runId: randomBytes(4).toString('hex'),
  items: 500,
  burstEvents: Number(process.env['BENCH_EVENTS'] ?? 50_000),
  perTransaction: 125,
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
  /** From the start of the writer's transaction to the eviction. */
  lagMs: { p50: number; p99: number; max: number; mean: number };
  /** From the event's `occurredAt` (built inside the transaction) to the eviction; absent before 2026-12-07 05:30. */
  lagFromEventMs?: { p50: number; p99: number };
  /** The lag by stage (see `PhaseResult.stagesMs`); absent in the recorded per-event run. */
  stagesMs?: Record<Stage, { p50: number; p99: number }>;
  redelivered: number;
  notEvicted: number;
  outboxPending: number;
  writeErrors: number;
  /** Busy share of the service's event loop; relay reads and consumer batches (absent before 2026-12-07 05:50). */
  serviceLoopBusy?: number;
  relayReads?: number;
  consumerBatches?: number;
}

type Stage = keyof PhaseResult['stagesMs'];
const STAGES: { stage: Stage; label: string }[] = [
  { stage: 'commit', label: 'writer transaction begun → committed' },
  { stage: 'read', label: 'committed → read by the relay' },
  { stage: 'produce', label: 'relay read → Kafka acknowledged (`sent_at`)' },
  { stage: 'fetch', label: 'Kafka acknowledged → fetched by the consumer' },
  { stage: 'evict', label: 'fetched → deduplicated, evicted' },
];

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
  lagFromEventMs: { p50: percentile(phase.lagsFromEventMs, 50), p99: percentile(phase.lagsFromEventMs, 99) },
  stagesMs: Object.fromEntries(
    STAGES.map(({ stage }) => [
      stage,
      { p50: percentile(phase.stagesMs[stage], 50), p99: percentile(phase.stagesMs[stage], 99) },
    ]),
  ) as Record<Stage, { p50: number; p99: number }>,
  redelivered: phase.redelivered,
  notEvicted: phase.notEvicted,
  outboxPending: phase.outboxPending,
  writeErrors: phase.writeErrors,
  serviceLoopBusy: phase.serviceLoopBusy,
  relayReads: phase.relayReads,
  consumerBatches: phase.consumerBatches,
});

function run(): Promise<PhaseResult[]> {
  const child: ChildProcess = fork(
    join(__dirname, 'workers', 'events-service.worker.ts'),
    [JSON.stringify(config)],
    {
      execArgv: [
        '-r',
        join(__dirname, '..', '..', '..', '..', 'tools', 'bench', 'swc-register.cjs'),
        // As the services' images start them (`CMD` of docker/*.Dockerfile; bench:http's NODE_RUNTIME_FLAGS).
        ...(process.env['BENCH_EVENTS_NODE_FLAGS'] === 'none' ? [] : ['--max-semi-space-size=32']),
        // BENCH_CPU_PROF=<dir>: a V8 CPU profile of the service (writer, relay, consumer) to find the slow stage.
        ...(process.env['BENCH_CPU_PROF']
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`]
          : []),
      ],
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
      `${s.writeErrors} failed write(s), ${s.redelivered} redelivered event(s) (handled once, deduplicated)`,
  );
  const old = baseline();
  const row = (s: PhaseSummary, label = s.name) =>
    `| ${label} | ${s.events} | ${s.targetRate ?? 'max'} | ${s.writesPerSecond.toFixed(0)} | ` +
    `${s.relayedPerSecond.toFixed(0)} | ` +
    `**${s.eventsPerSecond.toFixed(0)}** | ${ms(s.lagMs.p50)} | ${ms(s.lagMs.p99)} | ${ms(s.lagMs.max)} | ` +
    `${s.lagFromEventMs ? ms(s.lagFromEventMs.p99) : '—'} |`;
  return `<!-- bench:events:start (generated by libs/shared/service-kit/bench/bench-events.ts; edit outside the markers) -->

## Results (\`npm run bench:events\`)

Run ${startedAt.toISOString()} on ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version},
Kafka ${kafkaVersion()} (single KRaft node, loopback), load average at start ${load.map((l) => l.toFixed(2)).join(' / ')}.
Total ${seconds.toFixed(0)} s.

| phase | events | target rate (ev/s) | writes/s | relayed to Kafka/s | end-to-end events/s | lag p50 (ms) | lag p99 (ms) | lag max (ms) | lag p99 from \`occurredAt\` (ms) |
| ----- | ------ | ------------------ | -------- | ------------------ | ------------------- | ------------ | ------------ | ------------ | ---------------------------------- |
${row(burst, 'burst, batched (this run)')}
${old ? row(old.burst, `burst, per event (recorded ${old.date})`) : ''}
${row(paced, 'paced, batched (this run)')}
${old ? row(old.paced, `paced, per event (recorded ${old.date})`) : ''}

The lag is measured from the start of the writer's transaction (this run's rows; the last column from the
event's \`occurredAt\`, set inside the transaction after its UPDATE, as every run before 2026-12-07 05:30 and
the per-event rows measured it). The per-event rows are not re-measured: they are the run recorded in \`bench/results/events-per-event-baseline.json\`
(${old?.command ?? 'missing'}), made before the consumer handled a batch at a time (one inbox query, one
eviction, one commit per event; writes over HTTP).

${stages(burst)}

Where the lag goes, per stage (each column's percentile is over that stage alone, so they do not add up):

| stage | burst p50 (ms) | burst p99 (ms) | paced p50 (ms) | paced p99 (ms) |
| ----- | -------------- | -------------- | -------------- | -------------- |
${STAGES.map(
  ({ stage, label }) =>
    `| ${label} | ${ms(burst.stagesMs![stage].p50)} | ${ms(burst.stagesMs![stage].p99)} | ` +
    `${ms(paced.stagesMs![stage].p50)} | ${ms(paced.stagesMs![stage].p99)} |`,
).join('\n')}

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
Redis. A writer standing for another instance of the service changes rows and queues their change events in
\`outbox_events\` in the same transaction (\`OutboxService.addMany\`; its commits evict nothing in the measured
process, so only the consumer does). Being another instance, it runs in a worker thread of the child with a
connection pool of its own of 20 connections (\`BENCH_WRITER_POOL\`; until 2026-12-07 it ran on the measured
service's event loop and pool, which \`BENCH_WRITER=inline\` still does). Its commits wake the relay as another
instance's do: \`OutboxWakeup\` sends a \`NOTIFY\` after the commit (at most one per 2 ms) and the outbox insert
silences the table trigger's (\`BENCH_OUTBOX_WAKEUP=trigger\`: every commit notifies through the trigger, as
before 2026-12-07 18:30 UTC); its one UPDATE is a named statement (\`prepared\`), as the platform's own hot
statements are. The relay (at most one read per \`OUTBOX_MIN_READ_INTERVAL_MS\`, 20 ms, when woken) reads the pending rows and publishes them in batches with the
idempotent producer (acks=all, key = item id), reading the next batch while Kafka takes a full one and marking
a batch sent while the next one goes out; the service's consumer takes
a fetched batch per partition at a time: validates each record, deduplicates the batch by \`eventId\` against
the inbox (on the consumer's own small pool), applies the service's invalidation map in one
\`CacheInvalidator.invalidate\` (L2 delete + one bus message to every instance's L1), records the inbox rows
and commits the offset; the batches of the partitions of one fetch share those inbox statements, that
invalidation and that commit. A \`@ConsumeEvent\` handler, which runs after the batch's eviction, records the
time.

- **end-to-end events/s**: events of the phase ÷ (first write → last eviction). The burst phase updates 500
  items 100 times (50,000 events), 125 items per transaction, four transactions in flight, a round at a time
  (each item's events in order), so this is the pipeline's throughput on this machine, with the writes, the
  relay, the broker and the consumer sharing its cores.
- **lag**: per event, the start of the writer's transaction (when it has its connection and sends BEGIN) →
  the eviction resolved; it includes the transaction, the relay's pick-up, the produce round trip, the
  consumer's fetch and the eviction. Runs before 2026-12-07 05:30 measured it from \`occurredAt\` (set inside
  the transaction, after its UPDATE); the console and the table print that too. Under the burst it is mostly queueing behind the backlog; the paced phase (one event per
  transaction at half the burst's rate, capped at 1,000/s) shows the lag of a system that keeps up.
- **per stage**: the same lag cut in five: the writer's transaction (BEGIN → its commit resolved), → the
  relay's read returned the row, → Kafka acknowledged its batch (the row's \`sent_at\`, which the relay records
  with its next read), → the consumer's \`eachBatch\` got it, → the eviction resolved. The read and fetch
  times come from the relay's and the consumer's diagnostics channels (\`OUTBOX_READ_CHANNEL\`,
  \`CONSUMER_BATCH_CHANNEL\`; nothing is published without a subscriber).
- **service**: the busy share of the service's event loop (relay, consumer, cache) over the phase, and how
  many reads the relay made and batches the consumer handled.
- The item keys are cached before each phase and checked afterwards: every one must be gone.
- **per event** rows: not re-measured; the recorded run in \`bench/results/events-per-event-baseline.json\`
  (its date and command are in the file), from before the consumer was batched (one inbox query, one eviction
  and one commit per event, writes over HTTP \`PATCH\`).
- \`BENCH_CPU_PROF=<dir>\` writes a V8 CPU profile of the service's event loop and of the writer thread.
`;

/** The recorded run of the per-event consumer, printed beside this run's figures. */
function baseline(): { date: string; command: string; burst: PhaseSummary; paced: PhaseSummary } | undefined {
  try {
    const raw = JSON.parse(
      readFileSync(join(__dirname, 'results', 'events-per-event-baseline.json'), 'utf8'),
    );
    const [burst, paced] = raw.summaries as PhaseSummary[];
    const fix = (s: PhaseSummary & { httpErrors?: number }) => ({ ...s, writeErrors: s.httpErrors ?? 0 });
    return {
      date: String(raw.startedAt).slice(0, 10),
      command: raw.command,
      burst: fix(burst),
      paced: fix(paced),
    };
  } catch {
    return undefined;
  }
}

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
  const old = baseline();
  const lines = old
    ? [
        { s: summaries[0], label: 'burst now' },
        { s: old.burst, label: `burst ${old.date} per event` },
        { s: summaries[1], label: 'paced now' },
        { s: old.paced, label: `paced ${old.date} per event` },
      ]
    : summaries.map((s) => ({ s, label: s.name }));
  process.stdout.write(
    `load average at start ${load.map((l) => l.toFixed(2)).join(' / ')}, at end ` +
      `${loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}\n`,
  );
  for (const { s, label } of lines) {
    const fromEvent = s.lagFromEventMs
      ? ` (from occurredAt: p50 ${ms(s.lagFromEventMs.p50)}, p99 ${ms(s.lagFromEventMs.p99)} ms)`
      : '';
    process.stdout.write(
      `${label.padEnd(26)} ${s.events} events: ${s.eventsPerSecond.toFixed(0)} events/s end to end ` +
        `(writes ${s.writesPerSecond.toFixed(0)}/s, relayed ${s.relayedPerSecond.toFixed(0)}/s), lag p50 ${ms(s.lagMs.p50)} ms, p99 ${ms(s.lagMs.p99)} ms, ` +
        `max ${ms(s.lagMs.max)} ms${fromEvent}\n`,
    );
  }
  for (const s of summaries) {
    const parts = STAGES.map(
      ({ stage }) => `${stage} p50 ${ms(s.stagesMs![stage].p50)} / p99 ${ms(s.stagesMs![stage].p99)} ms`,
    );
    process.stdout.write(`${`${s.name} stages`.padEnd(26)} ${parts.join(', ')}\n`);
    process.stdout.write(
      `${`${s.name} service`.padEnd(26)} event loop ${((s.serviceLoopBusy ?? NaN) * 100).toFixed(0)} % busy, ` +
        `${s.relayReads} relay reads, ${s.consumerBatches} consumer batches\n`,
    );
  }
  const failed = summaries.filter((s) => s.notEvicted > 0 || s.outboxPending > 0 || s.writeErrors > 0);
  if (failed.length > 0) throw new Error(`checks failed in: ${failed.map((s) => s.name).join(', ')}`);
  process.stdout.write(`wrote ${path}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`bench:events failed: ${error.message}\n`);
  process.exit(1);
});
