import { DomainError } from './domain.error';

/** Node socket errors that mean "could not reach the server", whichever server it was. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * Postgres SQLSTATEs of a server that is going away or full: class 08 (connection exception),
 * 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 53300 too_many_connections.
 */
const POSTGRES_UNAVAILABLE = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;

/**
 * What pg, pg-pool and TypeORM say when a connection is lost or cannot be had from the pool in time.
 *
 * The last two are TypeORM's `QueryRunnerAlreadyReleasedError` and `QueryRunnerProviderAlreadyReleasedError`
 * (matched by message: a bundle may rename classes). No code, no cause, yet in a running service they mean a
 * lost connection: when Postgres ends a connection that sits idle inside a transaction (between its
 * statements, e.g. `pg_ctl stop -m fast` sending 57P01 while the service builds its outbox event), pg emits
 * the error on the client, not on a query, and TypeORM's query runner releases itself on that event; the
 * transaction's next statement then fails with one of these. A transaction's runner is released otherwise
 * only when the transaction is over, where no statement of ours runs.
 */
const CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|Query runner already released|connection provided by a query runner was already released/i;

/**
 * A dependency the request needs (in practice Postgres: cache failures never reach callers, peers raise
 * {@link UpstreamUnavailableError}) could not be reached. Code: `DEPENDENCY.UNAVAILABLE` (503 with
 * `Retry-After`, gRPC `UNAVAILABLE`). Not the caller's fault and worth retrying; a write that met it was
 * not acknowledged.
 */
export class DependencyUnavailableError extends DomainError {
  readonly kind = 'unavailable' as const;
  readonly code = 'DEPENDENCY.UNAVAILABLE';

  constructor(cause?: unknown) {
    super('A dependency of the service is unavailable; retry later', { cause });
  }
}

const isConnectionFailure = (error: object): boolean => {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || POSTGRES_UNAVAILABLE.test(code))) return true;
  return typeof message === 'string' && CONNECTION_MESSAGES.test(message);
};

/**
 * `error` as a {@link DependencyUnavailableError} when it, or an error it wraps (`cause`, TypeORM's
 * `driverError`, an `AggregateError`'s `errors`, the cache's loader wrapper), is a connection failure;
 * otherwise undefined. The one place that knows what a dependency outage looks like.
 */
export function asDependencyUnavailable(error: unknown): DependencyUnavailableError | undefined {
  const seen = new Set<unknown>();
  const pending = [error];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    if (current instanceof DependencyUnavailableError) return current;
    if (isConnectionFailure(current)) return new DependencyUnavailableError(error);
    const { cause, driverError, errors } = current as {
      cause?: unknown;
      driverError?: unknown;
      errors?: unknown;
    };
    pending.push(cause, driverError, ...(Array.isArray(errors) ? errors : []));
  }
  return undefined;
}
