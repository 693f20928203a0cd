import { DomainError, type FieldError } from './domain.error';

/** A request body that does not parse as JSON (400). Code: `REQUEST.INVALID_JSON`. */
export class InvalidJsonBodyError extends DomainError {
  readonly kind = 'invalid' as const;
  readonly code = 'REQUEST.INVALID_JSON';
  /** The body as a whole is the field at fault (`(body)`), so every 400 names one. */
  readonly fields: FieldError[];

  constructor(cause: Error) {
    super(`request body is not valid JSON: ${cause.message}`, { cause });
    this.fields = [{ field: '(body)', message: `is not valid JSON: ${cause.message}` }];
  }
}
