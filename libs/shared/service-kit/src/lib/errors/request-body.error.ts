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

/** A request body over the service's limit (`HTTP_BODY_LIMIT_BYTES`): 413. Code: `REQUEST.TOO_LARGE`. */
export class RequestTooLargeError extends DomainError {
  readonly kind = 'too_large' as const;
  readonly code = 'REQUEST.TOO_LARGE';
  /** The body as a whole is the field at fault. */
  readonly fields: FieldError[];

  constructor(limitBytes: number) {
    super(`request body is larger than ${limitBytes} bytes`);
    this.fields = [{ field: '(body)', message: `must be at most ${limitBytes} bytes` }];
  }
}
