import { performance } from 'node:perf_hooks';
import type { ConnectionOptions } from 'node:tls';
import { OUTBOX_CHANNEL } from '@platform/database';
import { Client } from 'pg';
import type { OutboxRelayLogger } from './outbox-relay';

/** The part of an `OutboxRelay` the wake-up uses. */
export interface WakeableRelay {
  readonly isLeader: boolean;
  notify(): void;
}

/** Settings of an {@link OutboxWakeup}. */
export interface OutboxWakeupOptions {
  /** Postgres URL of the service's database; a connection of its own is opened on the first `NOTIFY`. */
  connectionString: string;
  /** The schema whose relay is woken (the `NOTIFY` payload the relays listen for). */
  schema: string;
  /** The relay of this instance, woken directly while it leads (no `NOTIFY` then). */
  relay?: WakeableRelay;
  /** Postgres `application_name` of the connection. */
  applicationName?: string;
  ssl?: ConnectionOptions | false;
  /**
   * Least time between the starts of two `NOTIFY`s (default 2 ms): the relay reads at most once per
   * `minReadIntervalMs` (20 ms by default) anyway, and a `NOTIFY` per commit cost the writer a fifth of its socket
   * writes at 1,000 commits a second.
   */
  minIntervalMs?: number;
  logger?: Pick<OutboxRelayLogger, 'log' | 'warn'>;
}

const RESOLVED = Promise.resolve();

/**
 * Wakes the outbox relay after a commit that queued events, in place of the table trigger's `NOTIFY`
 * (register {@link onCommit} with `OutboxService.onCommit(…, { wakesRelay: true })`, which silences the
 * trigger for the outbox's own inserts). Postgres lets one notifying commit at a time hold its notify lock,
 * through the commit's WAL flush: at 1,000 one-event transactions a second the writers queued there and a
 * commit took 20 ms at the median. Here:
 *
 * - **This instance's relay leads**: it is woken in process, synchronously; Postgres is not involved.
 * - **Another instance leads**: a `NOTIFY` goes out on a connection of its own after the commit, in a
 *   transaction with no writes (no WAL to flush under the lock). At most one is in flight, and they start
 *   at least `minIntervalMs` apart; commits made meanwhile send one more when that allows, so every commit
 *   is followed by a `NOTIFY` sent after it, and a stream of commits costs one per interval.
 *
 * The writer never waits for it and it never fails a write: if the `NOTIFY` fails (Postgres going away),
 * the relay's poll (`OUTBOX_POLL_INTERVAL_MS`) publishes the rows.
 */
export class OutboxWakeup {
  private client?: Client;
  /** The one send loop running, if any: connecting and sending happen only inside it, one at a time. */
  private sending?: Promise<void>;
  private again = false;
  private lastSentAt = -Infinity;
  private readonly minIntervalMs: number;
  private closed = false;
  private failing = false;

  constructor(private readonly options: OutboxWakeupOptions) {
    this.minIntervalMs = options.minIntervalMs ?? 2;
  }

  /** An `OutboxCommitListener`: wakes the relay and resolves at once. */
  readonly onCommit = (): Promise<void> => {
    this.signal();
    return RESOLVED;
  };

  /** Wakes the relay of the schema: in process when it is this instance's, else with a `NOTIFY`. */
  signal(): void {
    const relay = this.options.relay;
    if (relay?.isLeader) {
      relay.notify();
      return;
    }
    if (this.closed) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = this.send().finally(() => (this.sending = undefined));
  }

  /** Waits for a `NOTIFY` in flight, then closes the connection; later signals only wake a local relay. */
  async close(): Promise<void> {
    this.closed = true;
    await this.sending;
    this.drop();
  }

  private async send(): Promise<void> {
    do {
      this.again = false;
      const wait = this.lastSentAt + this.minIntervalMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.lastSentAt = performance.now();
      try {
        const client = this.client ?? (await this.open());
        await client.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, this.options.schema]);
        if (this.failing)
          this.options.logger?.log({ schema: this.options.schema }, 'Outbox wake-up sent again');
        this.failing = false;
      } catch (error) {
        this.drop();
        if (!this.failing) {
          this.failing = true;
          this.options.logger?.warn(
            { schema: this.options.schema, err: error instanceof Error ? error.message : String(error) },
            'Outbox wake-up failed: the relay publishes on its poll until Postgres answers again',
          );
        }
        return;
      }
    } while (this.again && !this.closed);
  }

  private async open(): Promise<Client> {
    const client = new Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName ?? 'outbox-wakeup',
      ssl: this.options.ssl,
      keepAlive: true,
      connectionTimeoutMillis: 3000,
      statement_timeout: 5000,
    });
    client.on('error', () => {
      // An idle connection broke: the next signal opens another.
      if (this.client === client) this.drop();
    });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return client;
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    client?.end().catch(() => undefined);
  }
}
