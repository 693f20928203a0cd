import { DomainError } from './domain.error';

/** A request body that does not parse as JSON (400). Code: `REQUEST.INVALID_JSON`. */
export class InvalidJsonBodyError extends DomainError {
  readonly kind = 'invalid' as const;
  readonly code = 'REQUEST.INVALID_JSON';

  constructor(cause: Error) {
    super(`request body is not valid JSON: ${cause.message}`, { cause });
  }
}
