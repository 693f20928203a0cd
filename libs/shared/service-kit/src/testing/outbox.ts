import type { EventEnvelope } from '@platform/contracts';
import { quoteIdentifier } from '@platform/database';
import { Client } from 'pg';

/** A row of a service's `outbox_events`, as tests read it. */
export interface OutboxTestRow {
  topic: string;
  messageKey: string;
  payload: EventEnvelope;
  sentAt: Date | null;
  attempts: number;
}

/** Runs `work` with a short-lived Postgres connection to `databaseUrl`. */
async function withClient<T>(databaseUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The outbox rows of `schema` (optionally only those keyed `messageKey`), oldest first. */
export function readOutbox(
  databaseUrl: string,
  schema: string,
  messageKey?: string,
): Promise<OutboxTestRow[]> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query(
      `SELECT topic, message_key, payload, sent_at, attempts FROM ${quoteIdentifier(schema)}.outbox_events
        WHERE $1::text IS NULL OR message_key = $1 ORDER BY id`,
      [messageKey ?? null],
    );
    return rows.map((row) => ({
      topic: row.topic,
      messageKey: row.message_key,
      payload: row.payload,
      sentAt: row.sent_at,
      attempts: row.attempts,
    }));
  });
}

/**
 * Makes every insert into `schema`'s outbox fail (as a full disk or a broken event would), to prove a use
 * case's change rolls back with its event. Resolves to a function that removes the failure again.
 */
export async function refuseOutboxWrites(databaseUrl: string, schema: string): Promise<() => Promise<void>> {
  const s = quoteIdentifier(schema);
  await withClient(databaseUrl, async (client) => {
    await client.query(`CREATE FUNCTION ${s}.refuse_outbox_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'outbox write refused (test)'; END $$`);
    await client.query(`CREATE TRIGGER refuse_outbox_write BEFORE INSERT ON ${s}.outbox_events
      FOR EACH ROW EXECUTE FUNCTION ${s}.refuse_outbox_write()`);
  });
  return () =>
    withClient(databaseUrl, async (client) => {
      await client.query(`DROP TRIGGER IF EXISTS refuse_outbox_write ON ${s}.outbox_events`);
      await client.query(`DROP FUNCTION IF EXISTS ${s}.refuse_outbox_write()`);
    });
}

/** Drops a schema a test created for a service of its own (`DB_SCHEMA`), with everything in it. */
export function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  return withClient(databaseUrl, async (client) => {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  });
}
