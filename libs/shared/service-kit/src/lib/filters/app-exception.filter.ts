import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { KafkaContext } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';
import {
  asDependencyUnavailable,
  DomainError,
  ErrorKind,
  FieldError,
  InvalidJsonBodyError,
  ValidationFailedError,
} from '../errors';

/** What a caller is told about a failure, whatever the transport. */
export interface Problem {
  status: number;
  grpcCode: GrpcStatus;
  code: string;
  message: string;
  fields?: FieldError[];
  /** Seconds after which a retry may succeed: set for every 503 / `UNAVAILABLE`. */
  retryAfterSeconds?: number;
  /** Further HTTP response headers (the error's own, e.g. `WWW-Authenticate`). */
  headers?: Readonly<Record<string, string>>;
}

/** `Retry-After` of a dependency outage: long enough not to hammer a recovering server, short enough to matter. */
export const RETRY_AFTER_SECONDS = 5;

const BY_KIND: Record<ErrorKind, { status: number; grpcCode: GrpcStatus }> = {
  invalid: { status: HttpStatus.BAD_REQUEST, grpcCode: GrpcStatus.INVALID_ARGUMENT },
  not_found: { status: HttpStatus.NOT_FOUND, grpcCode: GrpcStatus.NOT_FOUND },
  conflict: { status: HttpStatus.CONFLICT, grpcCode: GrpcStatus.ALREADY_EXISTS },
  precondition: { status: HttpStatus.CONFLICT, grpcCode: GrpcStatus.FAILED_PRECONDITION },
  unavailable: { status: HttpStatus.SERVICE_UNAVAILABLE, grpcCode: GrpcStatus.UNAVAILABLE },
  internal: { status: HttpStatus.INTERNAL_SERVER_ERROR, grpcCode: GrpcStatus.INTERNAL },
  unauthenticated: { status: HttpStatus.UNAUTHORIZED, grpcCode: GrpcStatus.UNAUTHENTICATED },
  forbidden: { status: HttpStatus.FORBIDDEN, grpcCode: GrpcStatus.PERMISSION_DENIED },
  rate_limited: { status: HttpStatus.TOO_MANY_REQUESTS, grpcCode: GrpcStatus.RESOURCE_EXHAUSTED },
};

const grpcFromHttp = (status: number): GrpcStatus => {
  if (status === 400 || status === 413 || status === 415 || status === 422)
    return GrpcStatus.INVALID_ARGUMENT;
  if (status === 401) return GrpcStatus.UNAUTHENTICATED;
  if (status === 403) return GrpcStatus.PERMISSION_DENIED;
  if (status === 404) return GrpcStatus.NOT_FOUND;
  if (status === 409) return GrpcStatus.ALREADY_EXISTS;
  if (status === 429) return GrpcStatus.RESOURCE_EXHAUSTED;
  if (status === 503) return GrpcStatus.UNAVAILABLE;
  return status >= 500 ? GrpcStatus.INTERNAL : GrpcStatus.FAILED_PRECONDITION;
};

/**
 * The error a cache loader threw, when `error` is the cache engine's `E_CACHE_LOADER_FAILED` wrapper, however
 * deeply nested (a cached read whose loader makes another cached read); any other error as it is.
 */
function loaderCause(error: unknown): unknown {
  let current = error;
  for (;;) {
    const wrapper = current as { code?: unknown; cause?: unknown } | null;
    if (wrapper?.code !== 'E_CACHE_LOADER_FAILED' || wrapper.cause === undefined) return current;
    current = wrapper.cause;
  }
}

/**
 * Maps any thrown value to a {@link Problem}. This is the one place the cache's loader wrapper is unwrapped:
 * a `DomainError` thrown inside a cached read keeps its status, so services and controllers never catch
 * `E_CACHE_LOADER_FAILED` themselves. A lost or refused connection (Postgres down, pool exhausted, wherever
 * it was wrapped) becomes 503 `DEPENDENCY.UNAVAILABLE`; other unknown errors a generic 500 with no details.
 */
export function toProblem(thrown: unknown): Problem {
  const exception = loaderCause(thrown);
  if (exception instanceof DomainError) {
    return {
      ...BY_KIND[exception.kind],
      code: exception.code,
      message: exception.kind === 'internal' ? 'Internal error' : exception.message,
      fields:
        exception instanceof ValidationFailedError || exception instanceof InvalidJsonBodyError
          ? exception.fields
          : undefined,
      retryAfterSeconds:
        exception.retryAfterSeconds ?? (exception.kind === 'unavailable' ? RETRY_AFTER_SECONDS : undefined),
      headers: exception.httpHeaders,
    };
  }
  if (isCacheKeyError(exception)) {
    // A key built from input (a path or query value) past the cache's limit: the input is at fault.
    return {
      ...BY_KIND.invalid,
      code: 'REQUEST.KEY_TOO_LONG',
      message: 'a request value is too long to be looked up',
      fields: [{ field: '(key)', message: exception.message }],
    };
  }
  if (isBadPathEncoding(exception)) return toProblem(badPathError());
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const message =
      typeof body === 'string'
        ? body
        : Array.isArray((body as { message?: unknown }).message)
          ? ((body as { message: string[] }).message.join('; ') as string)
          : String((body as { message?: unknown }).message ?? exception.message);
    return {
      status,
      grpcCode: grpcFromHttp(status),
      code: status >= 500 ? 'INTERNAL' : `HTTP.${status}`,
      message: status >= 500 ? 'Internal error' : message,
      fields: status < 500 ? fieldsOf(body) : undefined,
    };
  }
  if (isExposedClientError(exception)) {
    return {
      status: exception.status,
      grpcCode: grpcFromHttp(exception.status),
      code: `HTTP.${exception.status}`,
      message: exception.message,
    };
  }
  const unavailable = asDependencyUnavailable(exception);
  if (unavailable) return toProblem(unavailable);
  return { ...BY_KIND.internal, code: 'INTERNAL', message: 'Internal error' };
}

/**
 * A path the router could not percent-decode (`%E0%A4%A`, a lone `%`). Express's router throws a URIError,
 * which Nest's router turns into a bare `BadRequestException` keeping only the router's message (so that is
 * what identifies it); Fastify's reports `FST_ERR_BAD_URL` through its `frameworkErrors` hook (`http-app.ts`).
 */
const isBadPathEncoding = (error: unknown): boolean =>
  (error instanceof HttpException &&
    error.getStatus() === HttpStatus.BAD_REQUEST &&
    error.message.startsWith('Failed to decode param')) ||
  (error as { code?: unknown } | null)?.code === 'FST_ERR_BAD_URL';

/** The caller's error for a path that does not decode: 400 `VALIDATION.FAILED` naming `(path)`. */
export const badPathError = (): ValidationFailedError =>
  new ValidationFailedError([{ field: '(path)', message: 'has a broken percent-encoding' }]);

/** The `fields` an HttpException's response object names (the body parsers' 413 and 415 do), if any. */
const fieldsOf = (body: string | object): FieldError[] | undefined => {
  const fields = typeof body === 'object' ? (body as { fields?: unknown }).fields : undefined;
  return Array.isArray(fields) ? (fields as FieldError[]) : undefined;
};

/** The HTTP body of a {@link Problem}: `{ statusCode, code, message, fields? }`. */
export const problemBody = (problem: Pick<Problem, 'status' | 'code' | 'message' | 'fields'>) => ({
  statusCode: problem.status,
  code: problem.code,
  message: problem.message,
  ...(problem.fields ? { fields: problem.fields } : {}),
});

/** The cache engine's `E_CACHE_INVALID_KEY` (a key too long or empty), which reaches here only from a direct cache call. */
const isCacheKeyError = (error: unknown): error is Error =>
  error instanceof Error && (error as { code?: unknown }).code === 'E_CACHE_INVALID_KEY';

/**
 * Errors from Node HTTP middleware (body-parser's 413 entity too large, 415 unsupported charset, …) are
 * not HttpExceptions but carry `status` and `expose: true`: they are the client's fault and safe to show.
 */
const isExposedClientError = (error: unknown): error is Error & { status: number } => {
  if (!(error instanceof Error)) return false;
  const { expose, status } = error as Error & { expose?: unknown; status?: unknown };
  return expose === true && typeof status === 'number' && status >= 400 && status < 500;
};

/**
 * One filter for every transport. HTTP gets `{ statusCode, code, message, fields }` (and `Retry-After` on a
 * 503); gRPC gets the matching status code with the message (and `retry-after` trailing metadata); Kafka handlers' errors are logged and rethrown for the consumer.
 * Stack traces are logged, never sent to callers.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(AppExceptionFilter.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    const problem = toProblem(exception);
    if (problem.status === HttpStatus.SERVICE_UNAVAILABLE) {
      this.logger.warn({ err: exception, code: problem.code }, 'Dependency unavailable');
    } else if (problem.status >= 500) {
      this.logger.error({ err: exception, code: problem.code }, 'Unhandled error');
    }
    if (host.getType() === 'http') {
      const response = host.switchToHttp().getResponse<{ headersSent?: boolean }>();
      if (response.headersSent) return;
      const body = problemBody(problem);
      for (const [name, value] of Object.entries(problem.headers ?? {})) {
        this.adapterHost.httpAdapter.setHeader(response, name, value);
      }
      if (problem.retryAfterSeconds !== undefined) {
        this.adapterHost.httpAdapter.setHeader(response, 'Retry-After', String(problem.retryAfterSeconds));
      }
      this.adapterHost.httpAdapter.reply(response, body, problem.status);
      return;
    }
    if (host.getType() === 'rpc' && host.switchToRpc().getContext() instanceof KafkaContext) {
      return throwError(() => exception);
    }
    const fields = problem.fields?.map((f) => `${f.field}: ${f.message}`).join('; ');
    const metadata = new Metadata();
    if (problem.retryAfterSeconds !== undefined)
      metadata.set('retry-after', String(problem.retryAfterSeconds));
    return throwError(() => ({
      code: problem.grpcCode,
      message: fields ? `${problem.code}: ${fields}` : `${problem.code}: ${problem.message}`,
      metadata,
    }));
  }
}
