import { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsString, Min, ValidateNested } from 'class-validator';
import { ValidationFailedError } from '../errors';
import { createValidationPipe, findNulCharacters } from './validation.pipe';

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

  it('should return a DTO instance for valid input', async () => {
    const order = await pipe.transform({ id: 'a', price: { cents: 5 } }, meta);
    expect(order).toBeInstanceOf(Order);
    expect(order.price).toBeInstanceOf(Money);
  });
});

describe('findNulCharacters()', () => {
  it('should name every string, key or nested value that holds a NUL character', () => {
    expect(findNulCharacters({ a: 'ok', b: 'x\u0000', c: [{ d: '\u0000' }], ['k\u0000']: 1 })).toEqual([
      'b',
      'c.0.d',
      'k\u0000',
    ]);
    expect(findNulCharacters({ a: 'fine', n: 3, z: null })).toEqual([]);
  });
});
