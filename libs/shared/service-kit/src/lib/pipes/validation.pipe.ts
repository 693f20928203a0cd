import { ValidationError, ValidationPipe } from '@nestjs/common';
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

/**
 * The edge validation used for REST and gRPC alike: unknown fields are rejected, payloads are turned
 * into DTO instances, and failures become a {@link ValidationFailedError} naming each field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedError(flattenValidationErrors(errors)),
  });
}
