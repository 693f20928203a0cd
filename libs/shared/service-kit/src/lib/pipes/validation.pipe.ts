import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldError, ValidationFailedError } from '../errors';

/** Flattens class-validator's nested errors into `field: message` pairs with dotted paths. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    // class-validator prefixes the property name ("amountCents must…", "property admin should…");
    // the field is reported separately, so keep only the reason.
    const prefixes = [`property ${error.property} `, `${error.property} `];
    const own = Object.values(error.constraints ?? {}).map((message) => {
      const prefix = prefixes.find((p) => message.startsWith(p));
      return { field, message: prefix ? message.slice(prefix.length) : message };
    });
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/** Paths of every string in `value` (nested objects and arrays included) that contains a NUL character. */
export function findNulCharacters(value: unknown, path = ''): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path || '(value)'] : [];
  if (Array.isArray(value))
    return value.flatMap((item, i) => findNulCharacters(item, path ? `${path}.${i}` : `${i}`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [
      ...(key.includes('\u0000') ? [path ? `${path}.${key}` : key] : []),
      ...findNulCharacters(item, path ? `${path}.${key}` : key),
    ]);
  }
  return [];
}

/**
 * Class-validator validation plus one rule for every field of every payload: no NUL characters.
 * Postgres refuses them in text and jsonb, so without this check they would surface as a 500.
 */
class EdgeValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const nul = findNulCharacters(value);
    if (nul.length > 0) {
      throw new ValidationFailedError(
        nul.map((field) => ({ field, message: 'must not contain NUL characters' })),
      );
    }
    return super.transform(value, metadata);
  }
}

/**
 * The edge validation used for REST and gRPC alike: unknown fields are rejected, payloads are turned
 * into DTO instances, NUL characters are refused anywhere, and failures become a
 * {@link ValidationFailedError} naming each field.
 */
export function createValidationPipe(): ValidationPipe {
  return new EdgeValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedError(flattenValidationErrors(errors)),
  });
}
