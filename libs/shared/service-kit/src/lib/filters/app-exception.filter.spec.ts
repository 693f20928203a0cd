import { status } from '@grpc/grpc-js';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationFailedError } from '../errors';
import { toProblem } from './app-exception.filter';

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

  it('should map conflicts to 409 / ALREADY_EXISTS', () => {
    expect(toProblem(new ConflictError('BID.DUPLICATE', 'dup'))).toMatchObject({
      status: 409,
      grpcCode: status.ALREADY_EXISTS,
      code: 'BID.DUPLICATE',
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
