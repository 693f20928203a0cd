import { channel } from 'node:diagnostics_channel';
import type { ConnectionOptions } from 'node:tls';
import { Logger } from '@nestjs/common';
import { OUTBOX_RELAY_DEFAULTS } from '@platform/config';
import { OUTBOX_CHANNEL, OUTBOX_TABLE, quoteIdentifier } from '@platform/database';
import type { Producer, TopicMessages } from 'kafkajs';
import { Client, Notification } from 'pg';
import { Registry } from 'prom-client';
import { OutboxRelayMetrics } from './outbox-relay.metrics';

/** The part of a kafkajs producer the relay uses. */
export type OutboxProducer = Pick<Producer, 'connect' | 'disconnect' | 'sendBatch'>;

/** The logger calls the relay makes (a Nest `Logger` fits). */
export interface OutboxRelayLogger {
  log(message: unknown, ...rest: unknown[]): void;
  warn(message: unknown, ...rest: unknown[]): void;
  error(message: unknown, ...rest: unknown[]): void;
  debug(message: unknown, ...rest: unknown[]): void;
}

/** Settings of an {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  /** Postgres URL; the relay opens one connection of its own (LISTEN and the leader lock need a session). */
  connectionString: string;
  /** Schema whose `outbox_events` table this relay drains. */
  schema: string;
  /**
   * Creates an unconnected idempotent producer, e.g. `() => kafkaService.createProducer()`. The relay
   * connects it on first use and replaces it when a batch fails on a connected session: a producer that
   * lived through a broker crash can be left with sequence numbers the broker rejects
   * (`OUT_OF_ORDER_SEQUENCE_NUMBER`) forever.
   */
  createProducer: () => OutboxProducer;
  /** Rows claimed and published per batch (default 100). */
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives, and how often a standby retries the lock (default 1000 ms). */
  pollIntervalMs?: number;
  /**
   * Least time between the starts of two reads of the outbox when woken by commits (default 20 ms,
   * `OUTBOX_MIN_READ_INTERVAL_MS`); a commit that wakes an idle relay is read at once. Commits wake the relay
   * one by one, and most wake-ups arrive after the read that already took their rows: without it, 1,000
   * one-event commits/s made the relay read about three times per batch it sent. At 10 ms instead of 5,
   * `npm run bench:events` (1,000 events/s paced) halved the relay's reads, took the service's event loop from
   * ~80 to ~65 % busy and lowered the lag's p99; at 20 ms instead of 10, three interleaved pairs gave a paced
   * lag p99 of 89 / 84 / 65 ms against 125 / 178 / 106 (and p50 38 / 26 / 25 against 49 / 52 / 30): fewer
   * reads leave the 2 cores to the writers and the consumer. 40 ms was no better than 20 (p99 73 / 90 / 75).
   */
  minReadIntervalMs?: number;
  /** How long sent rows are kept before they are pruned (default 24 h). */
  retentionMs?: number;
  /** How often the leader prunes (default 60 s, or the retention if shorter). */
  pruneIntervalMs?: number;
  /** Longest wait between attempts while Kafka or Postgres is down (default 10 s). */
  maxBackoffMs?: number;
  /** Metrics registry, e.g. the one served at `/metrics`; a private one by default. */
  registry?: Registry;
  logger?: OutboxRelayLogger;
  /** Postgres `application_name` of the relay's connection. */
  applicationName?: string;
  /** pg's `ssl` of the relay's connection (the service's `DATABASE_SSL_MODE`, see `pgSslOptions`). */
  ssl?: ConnectionOptions | false;
}

/** A batch Kafka did not acknowledge; the rows stay pending. */
class PublishFailedError extends Error {
  constructor(override readonly cause: unknown) {
    super(`Publishing outbox events failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'PublishFailedError';
  }
}

/** A batch Kafka acknowledged at `at` (ms since the epoch) whose rows (ids comma-separated) are not marked yet. */
interface UnmarkedBatch {
  readonly rows: OutboxRow[];
  readonly ids: string;
  readonly at: number;
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  payload: string;
  headers: Record<string, string>;
}

const INITIAL_BACKOFF_MS = 200;
const PRUNE_CHUNK = 5000;
const STOP_WAIT_MS = 5000;
/**
 * Settings of the relay's own session (only its plans and commits change).
 *
 * The read plan: marking rows sent leaves their entries in the pending index (the
 * index of `sent_at IS NULL`) until vacuum removes them: after 50,000 events, each read of the few new rows
 * walked 50,000 entries and 715 heap pages, as the planner chose a bitmap scan (5 to 30 ms per read). A
 * plain index scan in `id` order marks the entries of dead rows as it passes them, so the next read skips
 * them (0.1 ms).
 *
 * Its commits: every read also marks the batches before it sent (an UPDATE), so with the default
 * `synchronous_commit` each read waited for its WAL flush, while 1,000 writer commits a second queued for
 * the same disk. A mark lost to a Postgres crash (the last few hundred ms of them at most) only makes the
 * next leader publish those rows again, which the relay already allows (at least once; consumers skip
 * repeats by `eventId`); the outbox rows themselves are the writers' and commit as those do.
 */
export const RELAY_SESSION_SETTING = 'SET enable_bitmapscan = off; SET synchronous_commit = off';
/**
 * The relay's read of pending rows of `table` (quoted, schema-qualified), oldest first: `$1` the batch size,
 * `$2` the comma-separated ids to leave out (those being published, and those marked sent by this statement).
 */
export const pendingRowsQuery = (table: string): string =>
  `SELECT id, topic, message_key, payload::text AS payload, headers
     FROM ${table}
    WHERE sent_at IS NULL AND NOT (id = ANY(string_to_array($2, ',')::bigint[]))
    ORDER BY id LIMIT $1`;
/**
 * Marks published rows sent: `$n` their comma-separated ids, `$n+1` (as many, comma-separated) when Kafka
 * acknowledged each one's batch, ms since the epoch. Two parallel arrays, so the planner knows how many rows
 * the mark touches and joins them to the table by its primary key. (A JSON array of `{ ids, at }` per batch,
 * as it was until 2026-12-07, was estimated at 1,000 rows and hash-joined with a sequential scan of the
 * whole outbox on every read: 40 % of a core in the relay's Postgres backend at 1,000 events/s.)
 */
export const markSentQuery = (table: string, n: number): string =>
  `UPDATE ${table} AS o SET sent_at = to_timestamp(m.at / 1000), attempts = o.attempts + 1
     FROM unnest(string_to_array($${n}, ',')::bigint[], string_to_array($${n + 1}, ',')::float8[]) AS m(id, at)
    WHERE o.id = m.id`;
/**
 * Marks batches sent as {@link markSentQuery} does (`$3`, `$4`) and reads the next pending rows as
 * {@link pendingRowsQuery} does, in one statement. The read sees the table as it was before the mark, so
 * `$2` must list the marked ids too.
 */
export const markAndReadQuery = (table: string): string =>
  `WITH marked AS (${markSentQuery(table, 3)}) ${pendingRowsQuery(table)}`;
/** Longest a published batch waits for the next read to carry its sent mark before a read is made for it. */
const MARK_WITHIN_MS = 20;
/** Batches published back to back before the loop refreshes its gauges and prunes. */
const DRAIN_BATCHES = 10;

/**
 * Published (synchronously) with `{ schema, rows }` each time the relay has read pending rows, before it
 * publishes them: a tracing hook for benchmarks and diagnostics (`npm run bench:events` times its stages
 * with it). Without a subscriber it costs one property read per read.
 */
export const OUTBOX_READ_CHANNEL = 'service-kit:outbox-relay:read';
const readChannel = channel(OUTBOX_READ_CHANNEL);

/** The two parameters of {@link markSentQuery}: the rows' ids, and per row when its batch was acknowledged. */
const marksParameters = (marks: readonly UnmarkedBatch[]): [string, string] => [
  marks.map((mark) => mark.ids).join(','),
  marks.map((mark) => `${mark.at},`.repeat(mark.rows.length).slice(0, -1)).join(','),
];

/**
 * Publishes the transactional outbox of one schema to Kafka. Pending rows are read oldest first
 * (`ORDER BY id`), sent in that order with the idempotent producer (key = entity id, so one entity's
 * events land on one partition in commit order), then marked `sent_at`.
 *
 * - **One relay per schema at a time.** Relays of several instances compete for a Postgres session
 *   advisory lock; the winner relays, the others stand by and take over within `pollIntervalMs` if it
 *   dies. Two relays draining one table in parallel could publish an entity's events out of order.
 * - **Low latency without hammering Postgres.** Every commit that queued events wakes the leader: in
 *   process when this instance leads, else with a `NOTIFY` sent after the commit ({@link OutboxWakeup});
 *   writers outside the services notify through the table's trigger. The relay also polls every
 *   `pollIntervalMs` in case a wake-up was missed.
 * - **Kafka down.** Rows stay pending; the relay backs off exponentially (up to `maxBackoffMs`), logs once
 *   when the outage starts and once when it ends, and then publishes everything that waited, in order.
 *   After a batch fails on a connected producer, the producer is replaced, so the retry runs in a new
 *   idempotent session: a broker that crashed may have lost what the old session's sequence numbers assume.
 * - **At least once.** A crash after Kafka acknowledged but before `sent_at` was committed republishes
 *   those rows; consumers deduplicate by `eventId`.
 */
export class OutboxRelay {
  readonly registry: Registry;
  private readonly metrics: OutboxRelayMetrics;
  private readonly logger: OutboxRelayLogger;
  private readonly table: string;
  /** The relay loop's statements on {@link table}, built once (see the query builders above). */
  private readonly sql: { pending: string; markAndRead: string; mark: string };
  private readonly lockKey: string;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly minReadIntervalMs: number;
  private readonly retentionMs: number;
  private readonly pruneIntervalMs: number;
  private readonly maxBackoffMs: number;

  private client?: Client;
  private producer?: OutboxProducer;
  /** Whether {@link producer} has a session with the broker (connected at least once since created). */
  private producerConnected = false;
  private leading = false;
  private stopping = false;
  private loop?: Promise<void>;
  private notified = false;
  /** Ends the current pause: set by {@link pause}, called by NOTIFY (when listening) and by stop(). */
  private wake?: (reason: 'notify' | 'stop') => void;
  private backoffMs = INITIAL_BACKOFF_MS;
  private kafkaDownSince?: number;
  private postgresDownSince?: number;
  private lastMeasure = 0;
  /**
   * Batches Kafka acknowledged, not yet marked sent: the next read marks them in the same statement (see
   * {@link readPending}). At most two: a read made while a batch is sent marks the batches before it.
   */
  private unmarked: UnmarkedBatch[] = [];
  private lastPrune = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.registry = options.registry ?? new Registry();
    this.metrics = new OutboxRelayMetrics(this.registry);
    this.logger = options.logger ?? new Logger(OutboxRelay.name);
    this.table = `${quoteIdentifier(options.schema)}.${OUTBOX_TABLE}`;
    this.sql = {
      pending: pendingRowsQuery(this.table),
      markAndRead: markAndReadQuery(this.table),
      mark: markSentQuery(this.table, 1),
    };
    this.lockKey = `outbox-relay:${options.schema}`;
    this.batchSize = options.batchSize ?? OUTBOX_RELAY_DEFAULTS.batchSize;
    this.pollIntervalMs = options.pollIntervalMs ?? OUTBOX_RELAY_DEFAULTS.pollIntervalMs;
    this.minReadIntervalMs = options.minReadIntervalMs ?? OUTBOX_RELAY_DEFAULTS.minReadIntervalMs;
    this.retentionMs = options.retentionMs ?? OUTBOX_RELAY_DEFAULTS.retentionMs;
    this.pruneIntervalMs = options.pruneIntervalMs ?? Math.min(60_000, this.retentionMs);
    this.maxBackoffMs = options.maxBackoffMs ?? OUTBOX_RELAY_DEFAULTS.maxBackoffMs;
    this.metrics.leader.set({ schema: options.schema }, 0);
  }

  /** True while this relay holds the schema's relay lock. */
  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Rows were committed: read them now (at most one read per `minReadIntervalMs`). What a `NOTIFY` on the
   * relay's connection does, without the round trip: {@link OutboxWakeup} calls it for its own instance's
   * commits while this relay leads.
   */
  notify(): void {
    this.notified = true;
    this.wake?.('notify');
  }

  /** Starts relaying in the background; returns at once (Postgres or Kafka may still be unreachable). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /**
   * Stops gracefully: lets the batch in flight finish (at most a few seconds), makes one last pass over
   * rows committed meanwhile, releases the lock so a standby takes over at once, and closes the connection.
   */
  async stop(): Promise<void> {
    if (!this.loop) return;
    this.stopping = true;
    this.wake?.('stop');
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.loop.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STOP_WAIT_MS))),
    ]);
    clearTimeout(timer);
    // Rows committed since the last batch (e.g. by requests that finished during the drain delay).
    if (finished && this.leading && this.kafkaDownSince === undefined) {
      await this.drain(DRAIN_BATCHES).catch(() => undefined);
    }
    this.loop = undefined;
    await this.disconnect();
    await this.resetProducer();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const client = await this.connect();
        await this.measure(client);
        if (!this.leading && !(await this.acquireLock(client))) {
          await this.pause(this.pollIntervalMs, false);
          continue;
        }
        this.notified = false;
        const readAt = Date.now();
        const full = await this.drain(DRAIN_BATCHES);
        await this.prune(client);
        this.backoffMs = INITIAL_BACKOFF_MS;
        if (!full) {
          // A batch left unmarked is marked by the next read: wait for new rows only so long.
          await this.pause(
            this.unmarked.length > 0 ? Math.min(MARK_WITHIN_MS, this.pollIntervalMs) : this.pollIntervalMs,
            true,
          );
          const gap = readAt + this.minReadIntervalMs - Date.now();
          if (gap > 0) await this.pause(gap, false);
        }
      } catch (error) {
        if (this.stopping) break;
        if (error instanceof PublishFailedError) this.onKafkaDown(error.cause);
        else await this.onPostgresDown(error);
        // New commits must not cut the backoff short: that would retry a dead Kafka on every write.
        await this.pause(this.nextBackoff(), false);
      }
    }
  }

  /**
   * Publishes up to `maxBatches` batches, stopping after one that was not full; returns whether the last
   * batch was full (more may wait). While Kafka takes a full batch, the next one is read (leaving out the
   * rows in flight, not yet marked sent), so a backlog costs no Postgres round trip between two produces;
   * that read also marks the batch before sent. Only one produce is in flight at a time, so rows still go
   * out in order.
   */
  private async drain(maxBatches: number): Promise<boolean> {
    const client = await this.connect();
    let rows = await this.readPending(client, '');
    for (let batch = 1; rows.length > 0; batch++) {
      const ids = rows.map((row) => row.id).join(',');
      const full = rows.length === this.batchSize;
      const sending = this.publish(client, rows, ids);
      const next = full && batch < maxBatches ? this.readPending(client, ids) : undefined;
      try {
        await sending;
      } catch (error) {
        next?.catch(() => undefined); // read for nothing: those rows stay pending
        throw error;
      }
      this.unmarked.push({ rows, ids, at: Date.now() });
      if (next === undefined) return full;
      rows = await next;
    }
    return false;
  }

  /**
   * The oldest pending rows, except `inFlight` (comma-separated ids of the batch being published). Only the
   * holder of the schema's relay lock reads them, so no other relay can take the same rows meanwhile: no
   * transaction and no row locks (they would cost a BEGIN and a COMMIT round trip per batch, a third of the
   * relay's work when rows trickle in one at a time). It also marks the {@link unmarked} batches sent: one
   * statement instead of two per batch. If it fails, so did the mark: those rows are published again by
   * whoever leads next (at least once; the repeat can follow a later batch, but each event's first delivery
   * kept its order, and consumers skip the repeat by `eventId`).
   */
  private async readPending(client: Client, inFlight: string): Promise<OutboxRow[]> {
    const rows = await this.markAndRead(client, inFlight);
    if (rows.length > 0 && readChannel.hasSubscribers)
      readChannel.publish({ schema: this.options.schema, rows });
    return rows;
  }

  private async markAndRead(client: Client, inFlight: string): Promise<OutboxRow[]> {
    const marks = this.unmarked;
    if (marks.length === 0) {
      return (await client.query<OutboxRow>(this.sql.pending, [this.batchSize, inFlight])).rows;
    }
    this.unmarked = [];
    const [ids, ats] = marksParameters(marks);
    const { rows } = await client.query<OutboxRow>(this.sql.markAndRead, [
      this.batchSize,
      inFlight === '' ? ids : `${inFlight},${ids}`,
      ids,
      ats,
    ]);
    return rows;
  }

  /**
   * Publishes `rows` (whose ids are `ids`, comma-separated: one text parameter, as pg escapes every element
   * of an array parameter) in order. On failure, counts the attempt on the rows, which stay pending.
   */
  private async publish(client: Client, rows: OutboxRow[], ids: string): Promise<void> {
    try {
      const producer = await this.connectedProducer();
      await producer.sendBatch({ acks: -1, topicMessages: this.toTopicMessages(rows) });
      // Counted on Kafka's acknowledgement, not when the sent mark lands with a later read: the mark can
      // wait for that read, and a caller who sees `sent_at` set must find the rows counted already.
      this.onPublished(rows);
    } catch (error) {
      // A session that was up may be left with sequence numbers the broker no longer accepts. A producer
      // that never connected has no session: it is kept, and connecting is simply tried again.
      if (this.producerConnected) await this.resetProducer();
      await client
        .query(
          `UPDATE ${this.table} SET attempts = attempts + 1, last_error = $2
            WHERE id = ANY(string_to_array($1, ',')::bigint[])`,
          [ids, (error instanceof Error ? error.message : String(error)).slice(0, 1000)],
        )
        .catch(() => undefined);
      throw new PublishFailedError(error);
    }
  }

  /** Marks the {@link unmarked} batches sent on their own, when no read follows (the relay stops). */
  private async markUnmarked(client: Client): Promise<void> {
    const marks = this.unmarked;
    if (marks.length === 0) return;
    this.unmarked = [];
    await client.query(this.sql.mark, marksParameters(marks));
  }

  /** The relay's producer, created on first use or after {@link resetProducer}, connected if it is not. */
  private async connectedProducer(): Promise<OutboxProducer> {
    const producer = (this.producer ??= this.options.createProducer());
    if (!this.producerConnected) {
      await producer.connect();
      this.producerConnected = true;
    }
    return producer;
  }

  /** Drops the producer, so the next batch starts a new producer session (new id, fresh sequences). */
  private async resetProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.producerConnected = false;
    await producer?.disconnect().catch(() => undefined);
  }

  /** Groups rows by topic, keeping id order within each topic (and so within each key). */
  private toTopicMessages(rows: OutboxRow[]): TopicMessages[] {
    const byTopic = new Map<string, TopicMessages>();
    for (const row of rows) {
      let group = byTopic.get(row.topic);
      if (!group) byTopic.set(row.topic, (group = { topic: row.topic, messages: [] }));
      group.messages.push({ key: row.message_key, value: row.payload, headers: row.headers });
    }
    return [...byTopic.values()];
  }

  private onPublished(rows: OutboxRow[]): void {
    const schema = this.options.schema;
    for (const row of rows) this.metrics.published.inc({ schema, topic: row.topic });
    if (this.kafkaDownSince !== undefined) {
      this.logger.log(
        { schema, outageMs: Date.now() - this.kafkaDownSince },
        'Kafka reachable again: publishing the outbox events that waited',
      );
      this.kafkaDownSince = undefined;
    }
  }

  private onKafkaDown(cause: unknown): void {
    this.metrics.publishErrors.inc({ schema: this.options.schema });
    const err = cause instanceof Error ? cause.message : String(cause);
    if (this.kafkaDownSince === undefined) {
      this.kafkaDownSince = Date.now();
      this.logger.warn(
        { schema: this.options.schema, err },
        'Kafka unavailable: events wait in the outbox and are retried with backoff',
      );
    } else {
      this.logger.debug({ schema: this.options.schema, err }, 'Outbox publish retry failed');
    }
  }

  private async onPostgresDown(error: unknown): Promise<void> {
    const err = error instanceof Error ? error.message : String(error);
    if (this.postgresDownSince === undefined) {
      this.postgresDownSince = Date.now();
      this.logger.warn({ schema: this.options.schema, err }, 'Outbox relay lost Postgres; reconnecting');
    } else {
      this.logger.debug({ schema: this.options.schema, err }, 'Outbox relay reconnect failed');
    }
    await this.disconnect();
  }

  private nextBackoff(): number {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.maxBackoffMs);
    // ±20 % jitter so the relays of many services do not retry in lockstep.
    return Math.round(delay * (0.8 + Math.random() * 0.4));
  }

  /** The relay's own connection, opened (and subscribed to NOTIFY) on first use or after a failure. */
  private async connect(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName ?? 'outbox-relay',
      ssl: this.options.ssl,
      keepAlive: true,
      connectionTimeoutMillis: 3000,
      statement_timeout: 30_000,
    });
    client.on('error', (error) => {
      // An idle connection broke; the next query fails and the loop reconnects.
      this.logger.debug({ schema: this.options.schema, err: error.message }, 'Outbox relay connection error');
      if (this.client === client) this.client = undefined;
      this.setLeading(false);
      // End the session too: if it is still alive it holds the advisory lock, and neither this relay's next
      // connection nor a standby could lead until the socket died.
      client.end().catch(() => undefined);
    });
    client.on('notification', (message: Notification) => {
      if (message.channel !== OUTBOX_CHANNEL || message.payload !== this.options.schema) return;
      this.notify();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}; ${RELAY_SESSION_SETTING}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.postgresDownSince !== undefined) {
      this.logger.log({ schema: this.options.schema }, 'Outbox relay reconnected to Postgres');
      this.postgresDownSince = undefined;
    }
    this.client = client;
    return client;
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    // The last batch's sent mark goes out before the lock is released (a standby would publish it again).
    if (this.leading) await this.markUnmarked(client).catch(() => undefined);
    if (this.leading) {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [this.lockKey]).catch(() => undefined);
    }
    this.setLeading(false);
    await client.end().catch(() => undefined);
  }

  private async acquireLock(client: Client): Promise<boolean> {
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
      [this.lockKey],
    );
    if (rows[0]?.locked) {
      this.setLeading(true);
      this.logger.log({ schema: this.options.schema }, 'Outbox relay leading');
    }
    return this.leading;
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    // A relay that no longer leads must not mark rows later: the new leader publishes them again anyway.
    if (!leading) this.unmarked = [];
    this.metrics.leader.set({ schema: this.options.schema }, leading ? 1 : 0);
  }

  /** Refreshes the backlog gauges, at most once per poll interval. */
  private async measure(client: Client): Promise<void> {
    if (Date.now() - this.lastMeasure < this.pollIntervalMs) return;
    this.lastMeasure = Date.now();
    const { rows } = await client.query<{ pending: number; age: number }>(
      `SELECT count(*)::int AS pending,
              COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age
         FROM ${this.table} WHERE sent_at IS NULL`,
    );
    this.metrics.pending.set({ schema: this.options.schema }, rows[0]?.pending ?? 0);
    this.metrics.oldestPendingAge.set({ schema: this.options.schema }, rows[0]?.age ?? 0);
  }

  /** Deletes sent rows older than the retention, in chunks so no statement runs long. */
  private async prune(client: Client): Promise<void> {
    if (Date.now() - this.lastPrune < this.pruneIntervalMs) return;
    this.lastPrune = Date.now();
    for (let round = 0; round < 20 && !this.stopping; round++) {
      const { rowCount } = await client.query(
        `DELETE FROM ${this.table} WHERE id IN (
           SELECT id FROM ${this.table}
            WHERE sent_at IS NOT NULL AND sent_at < now() - make_interval(secs => $1)
            LIMIT ${PRUNE_CHUNK})`,
        [this.retentionMs / 1000],
      );
      this.metrics.pruned.inc({ schema: this.options.schema }, rowCount ?? 0);
      if ((rowCount ?? 0) < PRUNE_CHUNK) break;
    }
  }

  /** Waits `ms`, or less if the relay is stopping or, with `onNotify`, when rows are committed. */
  private pause(ms: number, onNotify: boolean): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (onNotify && this.notified) {
      this.notified = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(), ms);
      const finish = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = (reason) => {
        if (reason === 'stop' || onNotify) finish();
      };
    });
  }
}
