import { ArgumentMetadata } from '@nestjs/common';
import { RpcParamtype } from '@nestjs/microservices/enums/rpc-paramtype.enum';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Min, ValidateNested } from 'class-validator';
import { ValidationFailedError } from '../errors';
import { createValidationPipe, findInputProblems, MAX_INPUT_DEPTH } from './validation.pipe';

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

describe('findInputProblems()', () => {
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
