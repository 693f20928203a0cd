/**
 * The writer of `npm run bench:events`: it stands for another instance of the service, changing items and
 * queuing their `item` change events in the outbox in the same transaction, as the services' use cases do
 * (`OutboxService.addMany`). By default it runs in a worker thread of its own, with its own connection
 * pool, as another instance would (`startWriterThread`); `BENCH_WRITER=inline` runs it on the measured
 * service's event loop and pool instead, to see what one instance that both writes and consumes gets.
 */
import { createEnvelope } from '@platform/contracts';
import { OutboxService, prepared, PreparingClient } from '@platform/database';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { DataSource } from 'typeorm';
import { OutboxWakeup } from '../../src/lib/kafka/outbox-wakeup';

/** What one run of writes did. */
export interface WriteResult {
  readonly start: number;
  readonly end: number;
  readonly errors: number;
  /**
   * Per event id: when the writer's transaction began (before its BEGIN was sent) and when it had
   * committed (its promise resolved), ms since the epoch.
   */
  readonly commits: [string, number, number][];
}

/** The two write schedules of the bench. */
export interface BenchWriter {
  /**
   * Every item updated `rounds` times, `perTransaction` events per transaction, the transactions of a round
   * in flight together (each on distinct items; a round at a time, so one item's events are written, and
   * relayed, in order).
   */
  burst(rounds: number, perTransaction: number): Promise<WriteResult>;
  /** `count` transactions of one event each at `rate`/s, spread over the items, values from `firstValue`. */
  paced(rate: number, count: number, firstValue: number): Promise<WriteResult>;
  close(): Promise<void>;
}

export interface WriterSetup {
  readonly schema: string;
  readonly topic: string;
  readonly ids: readonly string[];
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The writes of the bench on `dataSource`. With `wakeup` the commits wake the relay as a service instance's
 * do (`OutboxRelayService`: the outbox's insert silences the table trigger); `BENCH_OUTBOX_WAKEUP=trigger`
 * leaves it out, so every commit notifies through the trigger (as before 2026-12-07 18:30 UTC).
 */
export function writerOn(
  dataSource: DataSource,
  { schema, topic, ids }: WriterSetup,
  wakeup?: OutboxWakeup,
): BenchWriter {
  // The item service's one write, prepared as the platform's own hot statements are (`prepared`): planning
  // it on every call was a sixth of the writer's Postgres CPU, and the writer shares the machine it measures.
  const updateSql = prepared(`UPDATE "${schema}".items AS i SET value = $2, version = i.version + 1
       FROM (SELECT id, value AS old FROM "${schema}".items WHERE id = ANY($1::text[]) FOR UPDATE) AS o
      WHERE i.id = o.id RETURNING i.id, o.old AS value, i.version`);
  const outbox = new OutboxService();
  if (wakeup !== undefined && process.env['BENCH_OUTBOX_WAKEUP'] !== 'trigger')
    outbox.onCommit(wakeup.onCommit, { wakesRelay: true });

  /** Sets every listed item to `value` in one transaction (each item once), queuing one event per item. */
  const update = async (batch: readonly string[], value: number, commits: [string, number, number][]) => {
    const eventIds: string[] = [];
    // The transaction starts when it has a connection and sends BEGIN: a write waiting for one of the
    // pool's connections has not begun (the writes/s column shows when the writer fell behind its rate).
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    const begunAt = now();
    await runner.startTransaction();
    try {
      const tx = runner.manager;
      // TypeORM answers an UPDATE … RETURNING with [rows, affected].
      const [rows]: [{ id: string; value: number; version: number }[], number] = await tx.query(updateSql, [
        batch,
        value,
      ]);
      const events = rows.map((row) =>
        createEnvelope({
          entity: 'item' as const,
          entityId: row.id,
          op: 'updated',
          version: row.version,
          before: { id: row.id, value: row.value },
          after: { id: row.id, value },
        }),
      );
      for (const event of events) eventIds.push(event.eventId);
      await outbox.addMany(tx, topic, events);
      await runner.commitTransaction();
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
    const committedAt = now();
    for (const eventId of eventIds) commits.push([eventId, begunAt, committedAt]);
  };

  const write = (batch: readonly string[], value: number, commits: [string, number, number][]) =>
    update(batch, value, commits).then(
      () => true,
      (error: Error) => {
        process.stderr.write(`write failed: ${error.message}\n`);
        return false;
      },
    );

  return {
    async burst(rounds, perTransaction) {
      const chunks: string[][] = [];
      for (let i = 0; i < ids.length; i += perTransaction) chunks.push(ids.slice(i, i + perTransaction));
      const commits: [string, number, number][] = [];
      let errors = 0;
      const start = now();
      for (let round = 1; round <= rounds; round++) {
        const written = await Promise.all(chunks.map((chunk) => write(chunk, round, commits)));
        errors += written.filter((ok) => !ok).length;
      }
      return { start, end: now(), errors, commits };
    },

    async paced(rate, count, firstValue) {
      const commits: [string, number, number][] = [];
      let errors = 0;
      const start = now();
      const writes: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const wait = start + (i * 1000) / rate - now();
        if (wait > 1) await sleep(wait);
        const value = firstValue + Math.floor(i / ids.length);
        writes.push(write([ids[i % ids.length]], value, commits).then((ok) => void (ok || errors++)));
      }
      await Promise.all(writes);
      return { start, end: now(), errors, commits };
    },

    close: async () => {
      await wakeup?.close();
    },
  };
}

/** Messages to and from the writer thread. */
type Request = { id: number } & (
  | { op: 'burst'; rounds: number; perTransaction: number }
  | { op: 'paced'; rate: number; count: number; firstValue: number }
  | { op: 'close' }
);
type Reply = { id: number; result?: WriteResult; error?: string };

interface ThreadData {
  readonly eventsWriter: true;
  readonly setup: WriterSetup;
  readonly databaseUrl: string;
  readonly poolSize: number;
}

/** Starts the writer in a worker thread with a connection pool of its own (another instance's). */
export function startWriterThread(setup: WriterSetup, databaseUrl: string, poolSize: number): BenchWriter {
  const register = join(__dirname, '..', '..', '..', '..', '..', 'tools', 'bench', 'swc-register.cjs');
  const data: ThreadData = { eventsWriter: true, setup, databaseUrl, poolSize };
  // Worker threads load only .js files: the stub loads SWC's require hook, then this file.
  const worker = new Worker(`require(${JSON.stringify(register)}); require(${JSON.stringify(__filename)});`, {
    eval: true,
    workerData: data,
  });
  const pending = new Map<number, { resolve: (r: WriteResult) => void; reject: (e: Error) => void }>();
  let next = 0;
  const fail = (error: Error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`writer thread exited with ${code}`)));
  worker.on('message', (reply: Reply) => {
    const call = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.error !== undefined) call?.reject(new Error(reply.error));
    else call?.resolve(reply.result as WriteResult);
  });
  const call = (request: Request) =>
    new Promise<WriteResult>((resolve, reject) => {
      pending.set(request.id, { resolve, reject });
      worker.postMessage(request);
    });
  return {
    burst: (rounds, perTransaction) => call({ id: next++, op: 'burst', rounds, perTransaction }),
    paced: (rate, count, firstValue) => call({ id: next++, op: 'paced', rate, count, firstValue }),
    close: async () => {
      await call({ id: next++, op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}

/** The thread's side: its own data source, one request at a time. */
async function serveThread(data: ThreadData): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const dataSource = await new DataSource({
    type: 'postgres',
    url: data.databaseUrl,
    schema: data.setup.schema,
    applicationName: 'bench-events-writer',
    // A load generator, not a request: when the machine stalls it waits for a connection rather than
    // failing the write after a service's 3 s (the writes/s column shows the rate it reached).
    extra: {
      max: data.poolSize,
      connectionTimeoutMillis: 60_000,
      // As a service instance's pool (`DB_PREPARED_STATEMENTS`, default true): the outbox insert named.
      ...(process.env['DB_PREPARED_STATEMENTS'] === 'false' ? {} : { Client: PreparingClient }),
    },
  }).initialize();
  // Another instance: its relay does not lead, so its commits wake the leader with a NOTIFY.
  const wakeup = new OutboxWakeup({
    connectionString: data.databaseUrl,
    schema: data.setup.schema,
    applicationName: 'bench-events-writer-wakeup',
  });
  const writer = writerOn(dataSource, data.setup, wakeup);
  port.on('message', async (request: Request) => {
    try {
      if (request.op === 'close') {
        await writer.close();
        await dataSource.destroy();
        port.postMessage({ id: request.id, result: { start: 0, end: 0, errors: 0, commits: [] } });
        return;
      }
      const result =
        request.op === 'burst'
          ? await writer.burst(request.rounds, request.perTransaction)
          : await writer.paced(request.rate, request.count, request.firstValue);
      port.postMessage({ id: request.id, result } satisfies Reply);
    } catch (error) {
      port.postMessage({ id: request.id, error: (error as Error).stack ?? String(error) } satisfies Reply);
    }
  });
}

if (!isMainThread && (workerData as ThreadData | undefined)?.eventsWriter) {
  serveThread(workerData as ThreadData).catch((error: Error) => {
    process.stderr.write(`writer thread failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
