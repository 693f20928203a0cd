import { createHash } from 'node:crypto';
import { Client, type QueryConfig } from 'pg';

/** SQLSTATE of "cached plan must not change result type": the statement's columns changed under it. */
const FEATURE_NOT_SUPPORTED = '0A000';

/** Postgres' answer to a prepared statement whose result columns changed (an ALTER TABLE under it). */
const isChangedResultType = (error: unknown): boolean =>
  (error as { code?: unknown }).code === FEATURE_NOT_SUPPORTED &&
  String((error as { message?: unknown }).message).includes('must not change result type');

/** Statement text → its name on every connection, for the statements registered with {@link prepared}. */
const registered = new Map<string, string>();

/**
 * Registers `text` as a statement Postgres keeps parsed and planned per connection, and returns it unchanged:
 * `const SQL = prepared(\`INSERT …\`)`. On a {@link PreparingClient} (every pool {@link dataSourceOptions}
 * builds, unless `DB_PREPARED_STATEMENTS=false`) a query of exactly this text is sent as a named statement:
 * parsed once per connection, and after five runs planned once (Postgres' generic plan). For the platform's
 * own hot statements whose best plan does not depend on the values: the outbox insert and the inbox's
 * statements (inserts from `unnest`, lookups by primary key). Measure anything else first: the outbox relay's
 * statements, named, relayed a 50,000-event burst at 2,000 to 2,500 events/s against 7,700 to 10,200 unnamed
 * (three interleaved pairs of `npm run bench:events`, 2026-12-07 18:50 UTC, after its sent mark stopped
 * hash-joining the whole table in every plan), so they stay unnamed. Never for text built per call: each
 * registered text stays prepared on every connection that ran it.
 */
export function prepared(text: string): string {
  if (!registered.has(text)) {
    registered.set(text, `platform_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`);
  }
  return text;
}

/** The name a registered text is prepared under (undefined: not registered). For tests and diagnostics. */
export const preparedName = (text: string): string | undefined => registered.get(text);

/**
 * A pg client that sends the texts registered with {@link prepared} as named statements, and everything
 * else as pg does. Used as the pool's `Client` (TypeORM passes `extra` to `pg.Pool`), so TypeORM's own
 * query path (its logging, the `db_queries_total` count, `QueryFailedError`) is unchanged.
 *
 * If a migration changes the columns a prepared statement returns while the service runs, Postgres answers
 * that statement "cached plan must not change result type" until it is prepared again; the call that gets
 * the error fails (as any failed statement does: a transaction rolls back, the consumer retries), and the
 * connection sends that text unnamed from then on.
 */
export class PreparingClient extends Client {
  /** Names that failed with a changed result type on this connection: sent unnamed from then on. */
  readonly staleStatements = new Set<string>();
}

const clientQuery = Client.prototype.query as (this: Client, ...args: unknown[]) => unknown;

// Set on the prototype rather than declared as an override, so the class keeps pg's overloaded `query` type.
PreparingClient.prototype.query = function preparingQuery(
  this: PreparingClient,
  ...args: unknown[]
): unknown {
  const [config, values, callback] = args;
  const name = typeof config === 'string' ? registered.get(config) : undefined;
  if (
    name === undefined ||
    this.staleStatements.has(name) ||
    typeof values === 'function' ||
    callback !== undefined
  ) {
    return clientQuery.apply(this, args);
  }
  const named: QueryConfig = { name, text: config as string, values: values as unknown[] | undefined };
  return (clientQuery.call(this, named) as Promise<unknown>).catch((error: unknown) => {
    if (isChangedResultType(error)) this.staleStatements.add(name);
    throw error;
  });
} as Client['query'];
