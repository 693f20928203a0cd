import { ArgumentMetadata } from '@nestjs/common';
import { RpcParamtype } from '@nestjs/microservices/enums/rpc-paramtype.enum';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  Min,
  registerDecorator,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { ValidationFailedError } from '../errors';
import {
  createValidationPipe,
  findInputProblems,
  MAX_INPUT_DEPTH,
  ValidateEachRequest,
  VALIDATION_MEMO_SIZE,
} from './validation.pipe';

class Money {
  @IsInt()
  @Min(0)
  cents: number;
}

class Order {
  @IsString()
  id: string;

  @ValidateNested()
  @Type(() => Money)
  price: Money;
}

const meta: ArgumentMetadata = { type: 'body', metatype: Order };

describe('createValidationPipe()', () => {
  const pipe = createValidationPipe();

  it('should name nested fields with dotted paths and strip the property prefix', async () => {
    const error = await pipe.transform({ id: 7, price: { cents: -1 } }, meta).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect((error as ValidationFailedError).fields).toEqual(
      expect.arrayContaining([
        { field: 'id', message: 'must be a string' },
        { field: 'price.cents', message: 'must not be less than 0' },
      ]),
    );
  });

  it('should reject unknown properties by name', async () => {
    const error = await pipe
      .transform({ id: 'a', price: { cents: 1 }, isAdmin: true }, meta)
      .catch((e: unknown) => e);
    expect((error as ValidationFailedError).fields).toEqual([
      { field: 'isAdmin', message: 'should not exist' },
    ]);
  });

  it('should refuse reserved keys (__proto__, constructor, toString…) by name, at any depth', async () => {
    const payload = JSON.parse(
      '{"id":"a","price":{"cents":1,"constructor":{"prototype":{"x":1}}},"__proto__":{"polluted":true}}',
    ) as unknown;
    const error = await pipe.transform(payload, meta).catch((e: unknown) => e);
    expect((error as ValidationFailedError).fields).toEqual([
      { field: 'price.constructor', message: 'is a reserved name and not allowed' },
      { field: '__proto__', message: 'is a reserved name and not allowed' },
    ]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('should return a DTO instance for valid input', async () => {
    const order = await pipe.transform({ id: 'a', price: { cents: 5 } }, meta);
    expect(order).toBeInstanceOf(Order);
    expect(order.price).toBeInstanceOf(Money);
  });

  it('should answer a missing field with one message', async () => {
    const error = await pipe.transform({ price: {} }, meta).catch((e: unknown) => e);
    expect((error as ValidationFailedError).fields).toEqual([
      { field: 'id', message: 'is required' },
      { field: 'price.cents', message: 'is required' },
    ]);
  });

  it('should refuse a payload nested deeper than the limit before transforming it', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const error = await pipe.transform({ id: deep }, meta).catch((e: unknown) => e);
    expect((error as ValidationFailedError).fields).toEqual([
      {
        field: `id${'.0'.repeat(MAX_INPUT_DEPTH - 1)}`,
        message: `nested deeper than ${MAX_INPUT_DEPTH} levels`,
      },
    ]);
  });

  it('should name a payload that is not an object with a string, and say what is wrong', async () => {
    // All fields optional: an array passes class-validator and is caught by Nest's own object check.
    class Filter {
      @IsOptional()
      @IsString()
      q?: string;
    }
    const body: ArgumentMetadata = { type: 'body', metatype: Filter };
    const payload = { ...body, type: RpcParamtype.PAYLOAD } as unknown as ArgumentMetadata;
    for (const [metadata, field] of [
      [body, 'body'],
      [payload, '(payload)'],
    ] as const) {
      const error = await pipe.transform([], metadata).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationFailedError);
      expect((error as ValidationFailedError).fields).toEqual([
        { field, message: 'Validation failed (object is expected)' },
      ]);
    }
  });

  it('should leave a gRPC call object alone when a handler takes no payload', async () => {
    // What Nest hands the pipes for a handler without @Payload(): the call, a cyclic graph.
    const call: Record<string, unknown> = { request: {} };
    call['self'] = call;
    const grpcCall = { type: 9 as unknown as ArgumentMetadata['type'], metatype: undefined };
    await expect(pipe.transform(call, grpcCall)).resolves.toBe(call);
  });
});

/** Path parameters as Fastify builds them: find-my-way's `NullObject`, whose prototype has no prototype. */
const fastifyParams = (fields: Record<string, string>): Record<string, string> =>
  Object.assign(Object.create(Object.create(null) as object) as Record<string, string>, fields);

/** How many times the rule below ran: the memo's tests count validations with it. */
let checks = 0;

/** A rule that counts its runs: the value must start with `b-`. */
function StartsWithB(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'startsWithB',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must start with b-', ...options },
      validator: {
        validate: (value: unknown) => {
          checks++;
          return typeof value === 'string' && value.startsWith('b-');
        },
      },
    });
}

class BidPath {
  @StartsWithB()
  id: string;
}

@ValidateEachRequest()
class EachRequestPath {
  @StartsWithB()
  id: string;
}

class PageQuery {
  @StartsWithB()
  cursor: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  limit?: number;

  @IsOptional()
  @Type(() => Date)
  since?: Date;
}

describe('createValidationPipe(): path and query DTOs validated once per distinct input', () => {
  const path = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'param', metatype });
  beforeEach(() => (checks = 0));

  it('should validate a path input once and hand out a fresh copy of the DTO on every request', async () => {
    const pipe = createValidationPipe();
    const first = (await pipe.transform({ id: 'b-1' }, path(BidPath))) as BidPath;
    const second = (await pipe.transform({ id: 'b-1' }, path(BidPath))) as BidPath;
    const third = (await pipe.transform({ id: 'b-1' }, path(BidPath))) as BidPath;
    expect(checks).toBe(1);
    expect(second).toBeInstanceOf(BidPath);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    second.id = 'changed by a handler';
    expect(third.id).toBe('b-1');
    expect(((await pipe.transform({ id: 'b-1' }, path(BidPath))) as BidPath).id).toBe('b-1');
    await pipe.transform({ id: 'b-2' }, path(BidPath));
    expect(checks).toBe(2);
  });

  it("should remember Fastify's path parameters too", async () => {
    const pipe = createValidationPipe();
    await pipe.transform(fastifyParams({ id: 'b-9' }), path(BidPath));
    expect(await pipe.transform(fastifyParams({ id: 'b-9' }), path(BidPath))).toEqual(
      Object.assign(new BidPath(), { id: 'b-9' }),
    );
    expect(checks).toBe(1);
  });

  it('should validate an invalid input every time, answering the same field', async () => {
    const pipe = createValidationPipe();
    for (let i = 0; i < 3; i++) {
      const error = await pipe.transform({ id: 'x-1' }, path(BidPath)).catch((e: unknown) => e);
      expect((error as ValidationFailedError).fields).toEqual([
        { field: 'id', message: 'must start with b-' },
      ]);
    }
    expect(checks).toBe(3);
  });

  it('should validate a DTO marked @ValidateEachRequest() on every request', async () => {
    const pipe = createValidationPipe();
    await pipe.transform({ id: 'b-1' }, path(EachRequestPath));
    await pipe.transform({ id: 'b-1' }, path(EachRequestPath));
    expect(checks).toBe(2);
  });

  it('should remember a query whose DTO holds only primitives, and not one holding an object (a Date)', async () => {
    const pipe = createValidationPipe();
    const query: ArgumentMetadata = { type: 'query', metatype: PageQuery };
    const page = (await pipe.transform({ cursor: 'b-c', limit: '20' }, query)) as PageQuery;
    await pipe.transform({ cursor: 'b-c', limit: '20' }, query);
    expect(page.limit).toBe(20);
    expect(checks).toBe(1);
    const dated = (await pipe.transform({ cursor: 'b-d', since: '2026-12-07' }, query)) as PageQuery;
    const again = (await pipe.transform({ cursor: 'b-d', since: '2026-12-07' }, query)) as PageQuery;
    expect(dated.since).toBeInstanceOf(Date);
    expect(again.since).not.toBe(dated.since);
    expect(checks).toBe(3);
  });

  it('should not remember repeated query keys, bodies or gRPC payloads', async () => {
    const pipe = createValidationPipe();
    const query: ArgumentMetadata = { type: 'query', metatype: PageQuery };
    await pipe.transform({ cursor: ['b-1', 'b-2'] }, query).catch(() => undefined);
    await pipe.transform({ cursor: ['b-1', 'b-2'] }, query).catch(() => undefined);
    await pipe.transform({ id: 'b-1' }, { type: 'body', metatype: BidPath });
    await pipe.transform({ id: 'b-1' }, { type: 'body', metatype: BidPath });
    const grpc = { type: RpcParamtype.PAYLOAD as unknown as ArgumentMetadata['type'], metatype: BidPath };
    await pipe.transform({ id: 'b-1' }, grpc);
    await pipe.transform({ id: 'b-1' }, grpc);
    // Two runs of each: none remembered.
    expect(checks).toBe(6);
  });

  it(`should remember at most ${VALIDATION_MEMO_SIZE} inputs per class, forgetting the oldest`, async () => {
    const pipe = createValidationPipe();
    for (let i = 0; i <= VALIDATION_MEMO_SIZE; i++) await pipe.transform({ id: `b-${i}` }, path(BidPath));
    expect(checks).toBe(VALIDATION_MEMO_SIZE + 1);
    await pipe.transform({ id: `b-${VALIDATION_MEMO_SIZE}` }, path(BidPath));
    expect(checks).toBe(VALIDATION_MEMO_SIZE + 1);
    await pipe.transform({ id: 'b-0' }, path(BidPath));
    expect(checks).toBe(VALIDATION_MEMO_SIZE + 2);
  });
});

describe('findInputProblems()', () => {
  it("should check Fastify's path parameters (an object whose prototype has no prototype)", () => {
    expect(findInputProblems(fastifyParams({ id: 'b\u00001' }))).toEqual([
      { field: 'id', message: 'must not contain NUL characters' },
    ]);
  });

  it('should name every string, key or nested value that holds a NUL character', () => {
    const nul = (field: string) => ({ field, message: 'must not contain NUL characters' });
    expect(findInputProblems({ a: 'ok', b: 'x\u0000', c: [{ d: '\u0000' }], ['k\u0000']: 1 })).toEqual([
      nul('b'),
      nul('c.0.d'),
      nul('k\u0000'),
    ]);
    expect(findInputProblems({ a: 'fine', n: 3, z: null })).toEqual([]);
  });

  it('should scan a 100,000-deep structure without throwing', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { a: deep };
    const problems = findInputProblems(deep, Infinity);
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toBe('must not contain NUL characters');
    expect(problems[0].field.split('.')).toHaveLength(100_000);
  });

  it('should report a branch nested deeper than the limit once, at the first level past it', () => {
    expect(findInputProblems({ ok: [[1]], bad: [[[[1]]]] }, 3)).toEqual([
      { field: 'bad.0.0', message: 'nested deeper than 3 levels' },
    ]);
    expect(findInputProblems([[1]], 1)).toEqual([{ field: '0', message: 'nested deeper than 1 levels' }]);
  });

  it('should stop at cycles and skip class instances', () => {
    const cyclic: Record<string, unknown> = { name: 'a\u0000' };
    cyclic['self'] = cyclic;
    expect(findInputProblems(cyclic, Infinity)).toEqual([
      { field: 'name', message: 'must not contain NUL characters' },
    ]);
    expect(findInputProblems({ at: new Date(), buffer: Buffer.from('\u0000') })).toEqual([]);
  });
});
