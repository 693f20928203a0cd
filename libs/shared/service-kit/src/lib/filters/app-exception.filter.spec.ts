import { status } from '@grpc/grpc-js';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import {
  ConflictError,
  NotFoundError,
  PreconditionFailedError,
  UpstreamUnavailableError,
  ValidationFailedError,
} from '../errors';
import { InvalidKeyError } from '@platform/cache';
import { RateLimitExceededError } from '../rate-limit/rate-limit.error';
import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { RETRY_AFTER_SECONDS, toProblem } from './app-exception.filter';

describe('toProblem()', () => {
  it('should map a validation failure to 400 / INVALID_ARGUMENT with the fields', () => {
    const problem = toProblem(new ValidationFailedError([{ field: 'amountCents', message: 'must be >= 0' }]));
    expect(problem).toMatchObject({
      status: 400,
      grpcCode: status.INVALID_ARGUMENT,
      code: 'VALIDATION.FAILED',
      fields: [{ field: 'amountCents', message: 'must be >= 0' }],
    });
  });

  it('should derive NOT_FOUND codes from the entity name', () => {
    expect(toProblem(new NotFoundError('bid', 'x'))).toMatchObject({
      status: 404,
      grpcCode: status.NOT_FOUND,
      code: 'BID.NOT_FOUND',
    });
    expect(toProblem(new NotFoundError('call-record', 'x')).code).toBe('CALL_RECORD.NOT_FOUND');
  });

  it('should map a domain error thrown by a cache loader as if it were thrown directly', () => {
    const wrapped = Object.assign(new Error('loader failed', { cause: new NotFoundError('bid', 'x') }), {
      code: 'E_CACHE_LOADER_FAILED',
    });
    expect(toProblem(wrapped)).toMatchObject({ status: 404, code: 'BID.NOT_FOUND' });
  });

  it('should unwrap loader errors nested in one another (a loader that reads through the cache)', () => {
    const wrap = (cause: unknown) =>
      Object.assign(new Error('loader failed', { cause }), { code: 'E_CACHE_LOADER_FAILED' });
    expect(toProblem(wrap(wrap(new UpstreamUnavailableError('routing', 'down'))))).toMatchObject({
      status: 503,
      code: 'ROUTING.UNAVAILABLE',
    });
  });

  it('should map conflicts to 409 / ALREADY_EXISTS', () => {
    expect(toProblem(new ConflictError('BID.DUPLICATE', 'dup'))).toMatchObject({
      status: 409,
      grpcCode: status.ALREADY_EXISTS,
      code: 'BID.DUPLICATE',
    });
  });

  it('should map failed preconditions (illegal transitions) to 409 / FAILED_PRECONDITION', () => {
    expect(toProblem(new PreconditionFailedError('BID.ILLEGAL_TRANSITION', 'won → active'))).toMatchObject({
      status: 409,
      grpcCode: status.FAILED_PRECONDITION,
      code: 'BID.ILLEGAL_TRANSITION',
    });
  });

  it('should keep framework HTTP errors (e.g. malformed JSON) as client errors', () => {
    expect(toProblem(new BadRequestException('Unexpected end of JSON input'))).toMatchObject({
      status: 400,
      grpcCode: status.INVALID_ARGUMENT,
      message: 'Unexpected end of JSON input',
    });
    expect(toProblem(new NotFoundException('Cannot GET /nope')).status).toBe(404);
  });

  it('should map a client over its budget to 429 / RESOURCE_EXHAUSTED with its own Retry-After and RateLimit headers', () => {
    const problem = toProblem(
      new RateLimitExceededError({
        allowed: false,
        limit: 5,
        remaining: 0,
        retryAfterMs: 2100,
        resetMs: 9000,
      }),
    );
    expect(problem).toMatchObject({
      status: 429,
      grpcCode: status.RESOURCE_EXHAUSTED,
      code: 'RATE_LIMIT.EXCEEDED',
      retryAfterSeconds: 3,
      headers: { 'RateLimit-Limit': '5', 'RateLimit-Remaining': '0', 'RateLimit-Reset': '9' },
    });
  });

  it("should map the cache's too-long key to 400 naming it, never 500", () => {
    const problem = toProblem(
      new InvalidKeyError('key: 2000 characters with its namespace, over the 1024 maximum'),
    );
    expect(problem).toMatchObject({
      status: 400,
      grpcCode: status.INVALID_ARGUMENT,
      code: 'REQUEST.KEY_TOO_LONG',
    });
    expect(problem.fields?.[0].field).toBe('(key)');
  });

  describe('dependency outages', () => {
    const unavailable = {
      status: 503,
      grpcCode: status.UNAVAILABLE,
      code: 'DEPENDENCY.UNAVAILABLE',
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    };
    const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

    it('should map refused and lost connections to 503 / UNAVAILABLE with a retry hint', () => {
      expect(toProblem(coded('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toMatchObject(
        unavailable,
      );
      expect(toProblem(new Error('Connection terminated unexpectedly'))).toMatchObject(unavailable);
      expect(toProblem(new Error('timeout exceeded when trying to connect'))).toMatchObject(unavailable);
      expect(toProblem(coded('terminating connection due to administrator command', '57P01'))).toMatchObject(
        unavailable,
      );
      expect(toProblem(coded('sorry, too many clients already', '53300'))).toMatchObject(unavailable);
    });

    it("should map TypeORM's released query runner (its connection was lost mid-transaction) to 503", () => {
      // What a transaction's next statement throws once Postgres ended its idle connection (57P01 on stop).
      expect(toProblem(new QueryRunnerAlreadyReleasedError())).toMatchObject(unavailable);
      expect(toProblem(new QueryRunnerProviderAlreadyReleasedError())).toMatchObject(unavailable);
      expect(
        toProblem(
          Object.assign(new Error('loader failed', { cause: new QueryRunnerAlreadyReleasedError() }), {
            code: 'E_CACHE_LOADER_FAILED',
          }),
        ),
      ).toMatchObject(unavailable);
    });

    it('should find the connection failure inside TypeORM, cache-loader and aggregate wrappers', () => {
      const refused = coded('connect ECONNREFUSED', 'ECONNREFUSED');
      const queryFailed = Object.assign(new Error('Connection terminated'), { driverError: new Error('x') });
      expect(toProblem(Object.assign(new Error('query failed'), { driverError: refused }))).toMatchObject(
        unavailable,
      );
      expect(toProblem(queryFailed)).toMatchObject(unavailable);
      expect(
        toProblem(
          Object.assign(new Error('loader failed', { cause: refused }), { code: 'E_CACHE_LOADER_FAILED' }),
        ),
      ).toMatchObject(unavailable);
      expect(toProblem(new AggregateError([refused], 'all attempts failed'))).toMatchObject(unavailable);
    });

    it('should give an upstream outage the same retry hint and keep its own code', () => {
      expect(toProblem(new UpstreamUnavailableError('routing', 'deadline'))).toMatchObject({
        ...unavailable,
        code: 'ROUTING.UNAVAILABLE',
      });
    });

    it('should keep other database errors internal', () => {
      expect(toProblem(coded('duplicate key value violates unique constraint', '23505')).status).toBe(500);
    });
  });

  it('should hide the details of unexpected errors', () => {
    const problem = toProblem(new TypeError('secret internals at /srv/app.js:12'));
    expect(problem).toEqual({
      status: 500,
      grpcCode: status.INTERNAL,
      code: 'INTERNAL',
      message: 'Internal error',
    });
  });
});
