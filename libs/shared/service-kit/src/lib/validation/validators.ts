import { applyDecorators } from '@nestjs/common';
import { US_STATE_CODES } from '@platform/contracts';
import { Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidationOptions,
} from 'class-validator';

/** Characters allowed in external ids (call ids, buyer ids): safe in cache keys, URLs and logs. */
export const ENTITY_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;

/** Longest accepted external id. */
export const ENTITY_ID_MAX_LENGTH = 64;

/**
 * `@Transform` that treats `''` as absent. gRPC (proto3) sends `''` for an unset string, so optional
 * string fields use it to mean the same thing over gRPC as a missing field over REST.
 */
export const emptyAsMissing = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** `@Transform` that treats `0` as absent (proto3's unset number, e.g. `limit: 0` = server default). */
export const zeroAsMissing = ({ value }: { value: unknown }) => (value === 0 ? undefined : value);

/** An external id: a string of 1–64 characters from {@link ENTITY_ID_PATTERN}. */
export function IsEntityId(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    IsString(options),
    Length(1, ENTITY_ID_MAX_LENGTH, options),
    Matches(ENTITY_ID_PATTERN, { message: 'must contain only letters, digits and . _ : -', ...options }),
  );
}

/** A US state code (50 states + DC, uppercase); with `{ each: true }` for arrays. */
export function IsUsState(options?: ValidationOptions): PropertyDecorator {
  return IsIn(US_STATE_CODES, {
    message: `${options?.each ? 'each value ' : ''}must be an uppercase US state code (50 states + DC), e.g. CA`,
    ...options,
  });
}

/** Shorthand for `@Transform(emptyAsMissing)`. */
export const EmptyAsMissing = () => Transform(emptyAsMissing);

/** Shorthand for `@Transform(zeroAsMissing)`. */
export const ZeroAsMissing = () => Transform(zeroAsMissing);

/** Largest page a list endpoint returns. */
export const MAX_PAGE_LIMIT = 500;

/**
 * An optional page size, 1..{@link MAX_PAGE_LIMIT}: a number over gRPC (where `0` means unset) or a query
 * string over REST (where `''` means unset). Unset means the endpoint's default.
 */
export function PageLimit(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    Transform(({ value }) => (value === '' || value === 0 ? undefined : value)),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(MAX_PAGE_LIMIT),
  );
}
