/** How an error maps onto transports: HTTP status and gRPC status both derive from it. */
export type ErrorKind =
  | 'invalid'
  | 'not_found'
  | 'conflict'
  | 'precondition'
  | 'unavailable'
  | 'internal'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate_limited';

/** One rejected input field. */
export interface FieldError {
  /** Dotted path of the field, e.g. `amountCents` or `criteria.states.0`. */
  field: string;
  /** Why it was rejected. */
  message: string;
}

/**
 * Base of every error a service raises on purpose. Services throw these, never `HttpException`;
 * the exception filter maps `kind` to an HTTP or gRPC status and passes `code` to the caller.
 */
export abstract class DomainError extends Error {
  /** Stable, machine-readable code such as `BID.NOT_FOUND`. */
  abstract readonly code: string;
  /** Transport-neutral category. */
  abstract readonly kind: ErrorKind;
  /** Response headers an HTTP answer carries (e.g. `WWW-Authenticate` on a 401). */
  readonly httpHeaders?: Readonly<Record<string, string>>;
  /** Seconds after which a retry may succeed (`Retry-After`, gRPC `retry-after`); 503s get a default. */
  readonly retryAfterSeconds?: number;

  protected constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An entity that does not exist. Code: `<ENTITY>.NOT_FOUND`. */
export class NotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
  readonly code: string;

  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} was not found`);
    this.code = `${entity.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}.NOT_FOUND`;
  }
}

/** Input that fails validation; lists every field at fault. Code: `VALIDATION.FAILED`. */
export class ValidationFailedError extends DomainError {
  readonly kind = 'invalid' as const;
  readonly code = 'VALIDATION.FAILED';

  constructor(readonly fields: FieldError[]) {
    super(`Invalid input: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`);
  }
}

/** A write that conflicts with the current state (duplicate, stale version). */
export class ConflictError extends DomainError {
  readonly kind = 'conflict' as const;

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A request the entity's current state does not allow (an illegal status transition): 409 over HTTP,
 * `FAILED_PRECONDITION` over gRPC. The code names the rule, e.g. `BID.ILLEGAL_TRANSITION`.
 */
export class PreconditionFailedError extends DomainError {
  readonly kind = 'precondition' as const;

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Another service this one depends on could not answer in time. Code: `<SERVICE>.UNAVAILABLE` (503). */
export class UpstreamUnavailableError extends DomainError {
  readonly kind = 'unavailable' as const;
  readonly code: string;

  constructor(
    readonly upstream: string,
    message: string,
    cause?: unknown,
  ) {
    super(`${upstream} is unavailable: ${message}`, { cause });
    this.code = `${upstream.toUpperCase()}.UNAVAILABLE`;
  }
}
