/**
 * The service of `npm run bench:events`, in its own process (started with tools/bench/swc-register.cjs, as Nest's
 * dependency injection needs decorator metadata). A real service booted by `startServiceApp` exactly as the
 * four services are (outbox relay, Kafka consumer, cache, health), whose one feature is an `items` table:
 * a writer (standing for another instance: its commits evict nothing locally) changes items and queues
 * their `item` change events in the outbox in the same transaction; the service's consumer applies its
 * invalidation map (`item:{id}`) a batch at a time, and a `@ConsumeEvent` handler, which runs after the
 * batch's eviction, records per event the time from `occurredAt` to then. Results go to the parent over IPC.
 */
import 'reflect-metadata';
import { Injectable, Logger, Module } from '@nestjs/common';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { loadServiceConfig } from '@platform/config';
import { entityChangedSchema, Topic } from '@platform/contracts';
import {
  CreateOutboxEvents1765000000000,
  CreateProcessedEvents1764000000000,
  runMigrations,
  schemaOf,
  QuietOutboxCommits1767000000000,
} from '@platform/database';
import { grpcPackage, protoPath } from '@platform/proto';
import {
  ConsumeEvent,
  CONSUMER_BATCH_CHANNEL,
  deadLetterTopics,
  defineInvalidationMap,
  invalidateOn,
  OUTBOX_READ_CHANNEL,
  OutboxRelayService,
  provideInvalidationMap,
  ServiceSpec,
  startServiceApp,
} from '../../src';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { z } from 'zod';
import { stackEnv } from '../../src/testing';
import { type BenchWriter, startWriterThread, writerOn, type WriteResult } from './events-writer';

/** What the runner passes as the single argument. */
export interface EventsBenchConfig {
  readonly runId: string;
  /** Items (entities); events of one item are written one after the other. */
  readonly items: number;
  /** Events of the burst phase (a multiple of `items`). */
  readonly burstEvents: number;
  /** Events per writer transaction during the burst (each item at most once per transaction). */
  readonly perTransaction: number;
  /** Paced phase: duration; its rate is half the burst's end-to-end throughput (capped). */
  readonly pacedSeconds: number;
  readonly pacedMaxRate: number;
}

/** One phase's measurements, sent to the runner. */
export interface PhaseResult {
  readonly name: 'burst' | 'paced';
  readonly events: number;
  /** Target rate of the paced phase (events/s); null for the burst. */
  readonly targetRate: number | null;
  readonly writeSeconds: number;
  /** From the first write to the last row the relay marked sent. */
  readonly relaySeconds: number;
  /** From the first write to the last eviction. */
  readonly endToEndSeconds: number;
  /** Per event, the start of the writer's transaction → eviction done, ms, sorted ascending. */
  readonly lagsMs: number[];
  /** Per event, `occurredAt` (built inside the transaction, after its UPDATE) → eviction done, ms, sorted. */
  readonly lagsFromEventMs: number[];
  /**
   * The lag split by stage, per event, ms, each sorted ascending: the writer's transaction begun → its
   * commit resolved (`commit`), → the relay's read returned the row (`read`: NOTIFY, the relay's wait and
   * its SELECT), → Kafka acknowledged its batch (`produce`: its `sent_at`, which the relay sets to that
   * time), → the consumer's `eachBatch` got it (`fetch`), → eviction done (`evict`: dedupe, eviction and
   * the wait for the batches of the same fetch). Read and fetch times come from the relay's and the
   * consumer's diagnostics channels.
   */
  readonly stagesMs: {
    commit: number[];
    read: number[];
    produce: number[];
    fetch: number[];
    evict: number[];
  };
  /** Events the consumer handled more than once (at-least-once redeliveries). */
  readonly redelivered: number;
  /** Cache keys still present after the phase (should be 0). */
  readonly notEvicted: number;
  /** Outbox rows still unsent after the phase (should be 0). */
  readonly outboxPending: number;
  /** Writer transactions that failed. */
  readonly writeErrors: number;
  /** The service's event loop (relay, consumer, cache), busy share of the phase (0..1). */
  readonly serviceLoopBusy: number;
  /** The relay's reads that returned rows, and the consumer's batches (one per partition per fetch). */
  readonly relayReads: number;
  readonly consumerBatches: number;
}

const config = JSON.parse(process.argv[2]) as EventsBenchConfig;
const schema = `bench_events_${config.runId}`;
// A topic of this run only, so a fresh consumer group does not replay older runs' events.
const topic = `bench.item.changed.${config.runId}.v1` as Topic;

const ItemSnapshot = z.object({ id: z.string(), value: z.number().int() });
const ItemChanged = entityChangedSchema('item', ItemSnapshot);
type ItemChanged = z.infer<typeof ItemChanged>;
const itemKey = (id: string) => `item:${id}`;
const itemInvalidation = invalidateOn(topic, ItemChanged, [{ keys: (item) => [itemKey(item.id)] }]);
const itemInvalidationMap = defineInvalidationMap('bench-events', [itemInvalidation]);

/** When each event's eviction finished (first handling only), and how many were handled again. */
const evictions = new Map<string, { occurredAt: number; evictedAt: number }>();
let redelivered = 0;
/** Resolved by the recorder once `count` events are evicted (no polling on the measured event loop). */
let evictionWaiter: { count: number; resolve: () => void } | undefined;
/** When the writer's transaction of each event began and had committed (its promise resolved). */
const commits = new Map<string, { begunAt: number; committedAt: number }>();
const clock = () => performance.timeOrigin + performance.now();
/** What the relay read and the consumer fetched, and when (resolved to event ids after the phase). */
let relayReads: { at: number; rows: { id: string }[] }[] = [];
let consumerBatches: { at: number; messages: { value: Buffer | null }[] }[] = [];
subscribe(OUTBOX_READ_CHANNEL, (message) => {
  relayReads.push({ at: clock(), rows: (message as { rows: { id: string }[] }).rows });
});
subscribe(CONSUMER_BATCH_CHANNEL, (message) => {
  consumerBatches.push({
    at: clock(),
    messages: (message as { messages: { value: Buffer | null }[] }).messages,
  });
});

class CreateBenchItems1765000000900 implements MigrationInterface {
  name = 'CreateBenchItems1765000000900';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE TABLE ${schemaOf(runner)}.items (id text PRIMARY KEY, value integer NOT NULL, version integer NOT NULL)`,
    );
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE ${schemaOf(runner)}.items`);
  }
}

/** Runs after the batch's eviction (the map is applied first): when each event's eviction was done. */
@Injectable()
class ItemEvictionRecorder {
  @ConsumeEvent(topic, ItemChanged)
  record(event: ItemChanged): void {
    const evictedAt = performance.timeOrigin + performance.now();
    if (evictions.has(event.eventId)) redelivered++;
    else evictions.set(event.eventId, { occurredAt: Date.parse(event.occurredAt), evictedAt });
    if (evictionWaiter !== undefined && evictions.size >= evictionWaiter.count) evictionWaiter.resolve();
  }
}

@Module({ providers: [provideInvalidationMap(itemInvalidationMap), ItemEvictionRecorder] })
class BenchItemsModule {}

const spec: ServiceSpec = {
  defaults: { name: 'bench-events', httpPort: 0, grpcPort: 0, dbSchema: schema },
  features: [BenchItemsModule],
  database: {
    entities: [],
    migrations: [
      CreateProcessedEvents1764000000000,
      CreateOutboxEvents1765000000000,
      CreateBenchItems1765000000900,
      QuietOutboxCommits1767000000000,
    ],
  },
  // The kit always serves gRPC; no bench controller implements it.
  grpc: { package: grpcPackage.bid, protoPath: protoPath('bid') },
  kafka: { consumes: [topic], produces: [topic] },
};

/**
 * Connections of the writer thread (`BENCH_WRITER_POOL`, default 20). It is the load: at 1,000 one-event
 * transactions a second, each of four statements, a pool of a service's 10 connections holds the rate only
 * while a transaction takes under 10 ms, which on this shared machine it often does not (the writer then
 * reached 797 and 933 tx/s, and the paced phase measured less than it asked for). More connections keep the
 * offered rate; the lag is still measured from inside each transaction.
 */
const writerPoolSize = (servicePool: number): number =>
  Number(process.env['BENCH_WRITER_POOL'] ?? Math.max(servicePool, 20));

async function main(): Promise<void> {
  // Migrations log through Nest's default logger until the app's own takes over: keep the output short.
  Logger.overrideLogger(['error', 'warn']);
  const serviceConfig = loadServiceConfig(spec.defaults, {
    ...stackEnv(),
    HTTP_PORT: '0',
    GRPC_PORT: '0',
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'error',
    KAFKA_GROUP_ID: `bench-events-${config.runId}`,
    CACHE_PREFIX: `bench-events-${config.runId}:`,
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    OUTBOX_BATCH_SIZE: '1000',
    // Settings a comparison may switch: DB_PREPARED_STATEMENTS also reaches the writer thread's pool
    // (events-writer.ts), so one switch compares both; the relay's read cadence.
    ...Object.fromEntries(
      ['DB_PREPARED_STATEMENTS', 'OUTBOX_MIN_READ_INTERVAL_MS'].flatMap((name) => {
        const value = process.env[name];
        return value === undefined ? [] : [[name, value]];
      }),
    ),
  });
  await runMigrations(serviceConfig, spec.database);
  const running = await startServiceApp(spec, serviceConfig);
  const dataSource = running.app.get(DataSource);
  const cache = running.app.get<TieredCache>(CACHE_INSTANCE);
  let writer: BenchWriter | undefined;
  const ids = Array.from({ length: config.items }, (_, i) => `item-${i}-${randomUUID().slice(0, 8)}`);
  try {
    await dataSource.query(
      `INSERT INTO "${schema}".items (id, value, version) SELECT unnest($1::text[]), 0, 0`,
      [ids],
    );
    // Another instance's writer: its commits do not evict here, so only the consumer under test does.
    const setup = { schema, topic, ids };
    writer =
      process.env['BENCH_WRITER'] === 'inline'
        ? writerOn(dataSource, setup, running.app.get(OutboxRelayService).wakeup)
        : startWriterThread(
            setup,
            serviceConfig.database.url,
            writerPoolSize(serviceConfig.database.poolSize),
          );
    const record = (result: WriteResult) => {
      for (const [eventId, begunAt, committedAt] of result.commits)
        commits.set(eventId, { begunAt, committedAt });
      return result;
    };
    const warm = async () => {
      for (let i = 0; i < ids.length; i += 100) {
        await Promise.all(
          ids.slice(i, i + 100).map((id) => cache.set(itemKey(id), { cached: id }, { ttl: '10m' })),
        );
      }
    };
    const settle = async (expected: number, timeoutMs: number) => {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        evictionWaiter = { count: expected, resolve };
        timer = setTimeout(resolve, timeoutMs);
        if (evictions.size >= expected) resolve();
      });
      clearTimeout(timer);
      evictionWaiter = undefined;
      if (evictions.size < expected)
        throw new Error(`only ${evictions.size}/${expected} events evicted in time`);
    };
    const measure = async (
      name: PhaseResult['name'],
      targetRate: number | null,
      writeStart: number,
      writeEnd: number,
      writeErrors: number,
      since: Set<string>,
      loop: EventLoopUtilization,
    ): Promise<PhaseResult> => {
      const serviceLoopBusy = performance.eventLoopUtilization(loop).utilization;
      const counts = { relayReads: relayReads.length, consumerBatches: consumerBatches.length };
      const entries = [...evictions.entries()].filter(([eventId]) => !since.has(eventId));
      const phase = entries.map(([, e]) => e);
      const lastEviction = Math.max(...phase.map((e) => e.evictedAt));
      const present = await Promise.all(ids.map(async (id) => (await cache.get(itemKey(id))) !== undefined));
      const [{ pending, lastSent }] = await dataSource.query(
        `SELECT count(*) FILTER (WHERE sent_at IS NULL)::int AS pending,
                (EXTRACT(EPOCH FROM max(sent_at)) * 1000)::float8 AS "lastSent"
           FROM "${schema}".outbox_events WHERE created_at >= to_timestamp($1 / 1000.0)`,
        [writeStart],
      );
      const rows = (await dataSource.query(
        `SELECT id::text AS row, event_id AS id, (EXTRACT(EPOCH FROM sent_at) * 1000)::float8 AS at
           FROM "${schema}".outbox_events WHERE created_at >= to_timestamp($1 / 1000.0)`,
        [writeStart],
      )) as { row: string; id: string; at: number }[];
      const acks = new Map<string, number>(rows.map((row) => [row.id, row.at]));
      // The first read of each row and the first fetch of each event (a repeat would be a redelivery).
      const readAtByRow = new Map<string, number>();
      for (const { at, rows: read } of relayReads)
        for (const { id } of read) if (!readAtByRow.has(id)) readAtByRow.set(id, at);
      const reads = new Map<string, number>(rows.map((row) => [row.id, readAtByRow.get(row.row) ?? NaN]));
      const fetches = new Map<string, number>();
      for (const { at, messages } of consumerBatches) {
        for (const { value } of messages) {
          const eventId = (JSON.parse(String(value)) as { eventId: string }).eventId;
          if (!fetches.has(eventId)) fetches.set(eventId, at);
        }
      }
      relayReads = [];
      consumerBatches = [];
      const sorted = (values: number[]) => values.filter(Number.isFinite).sort((a, b) => a - b);
      const begun = (eventId: string) => commits.get(eventId)?.begunAt ?? NaN;
      const committed = (eventId: string) => commits.get(eventId)?.committedAt ?? NaN;
      const at = (times: Map<string, number>, eventId: string) => times.get(eventId) ?? NaN;
      return {
        name,
        events: phase.length,
        targetRate,
        writeSeconds: (writeEnd - writeStart) / 1000,
        relaySeconds: (lastSent - writeStart) / 1000,
        endToEndSeconds: (lastEviction - writeStart) / 1000,
        lagsMs: sorted(entries.map(([id, e]) => e.evictedAt - begun(id))),
        lagsFromEventMs: phase.map((e) => e.evictedAt - e.occurredAt).sort((a, b) => a - b),
        stagesMs: {
          commit: sorted(entries.map(([id]) => committed(id) - begun(id))),
          read: sorted(entries.map(([id]) => at(reads, id) - committed(id))),
          produce: sorted(entries.map(([id]) => at(acks, id) - at(reads, id))),
          fetch: sorted(entries.map(([id]) => at(fetches, id) - at(acks, id))),
          evict: sorted(entries.map(([id, e]) => e.evictedAt - at(fetches, id))),
        },
        redelivered,
        notEvicted: present.filter(Boolean).length,
        outboxPending: pending,
        writeErrors,
        serviceLoopBusy,
        ...counts,
      };
    };

    // Burst: every item updated `rounds` times, `perTransaction` events per transaction.
    await warm();
    relayReads = [];
    consumerBatches = [];
    const burstLoop = performance.eventLoopUtilization();
    const rounds = Math.max(1, Math.round(config.burstEvents / ids.length));
    const burstWrites = record(await writer.burst(rounds, config.perTransaction));
    await settle(rounds * ids.length, 90_000);
    const burst = await measure(
      'burst',
      null,
      burstWrites.start,
      burstWrites.end,
      burstWrites.errors,
      new Set(),
      burstLoop,
    );
    process.send?.({ type: 'phase', result: burst });

    // Paced: half the burst's end-to-end rate (capped), one write per tick, spread over the items.
    const rate = Math.max(
      10,
      Math.min(config.pacedMaxRate, Math.floor(burst.events / burst.endToEndSeconds / 2)),
    );
    const pacedEvents = rate * config.pacedSeconds;
    const before = new Set(evictions.keys());
    await warm();
    relayReads = [];
    consumerBatches = [];
    const pacedLoop = performance.eventLoopUtilization();
    const pacedWrites = record(await writer.paced(rate, pacedEvents, rounds + 1));
    await settle(before.size + pacedEvents, 60_000);
    process.send?.({
      type: 'phase',
      result: await measure(
        'paced',
        rate,
        pacedWrites.start,
        pacedWrites.end,
        pacedWrites.errors,
        before,
        pacedLoop,
      ),
    });
  } finally {
    await writer?.close().catch(() => undefined);
    await cache.clear('item').catch(() => undefined);
    await running.app.close();
    await cleanUp(serviceConfig.database.url, serviceConfig.kafka.brokers);
  }
}

/** Drops the run's schema and deletes its topics (the bench's own; nothing shared is touched). */
async function cleanUp(databaseUrl: string, brokers: string[]): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => db.end());
  const admin = new Kafka({ clientId: 'bench-events-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic, ...deadLetterTopics([topic])] }).catch(() => undefined);
  await admin.disconnect();
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.send?.({ type: 'error', message: error.stack ?? error.message });
    process.exit(1);
  },
);
