import { applyDecorators } from '@nestjs/common';
import { US_STATE_CODES } from '@platform/contracts';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
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
    // Only a query string is converted: `Number()` of an object whose `valueOf`/`toString` are not
    // functions (`{"limit":{"valueOf":1}}` in a JSON body) throws a TypeError, a 500 instead of a 400.
    Transform(({ value }) => (typeof value === 'string' ? Number(value) : value)),
    IsInt(),
    Min(1),
    Max(MAX_PAGE_LIMIT),
  );
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/i;

/**
 * Whether `value` is an RFC 3339 timestamp with an explicit offset (`Z` or `±hh:mm`) naming a real
 * instant. Stricter than ISO 8601: no week dates, no local times (whose meaning would depend on the
 * server's time zone), and no calendar roll-over (`2026-02-30` is rejected, not read as 2 March).
 */
export function isRfc3339(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = RFC3339.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [offsetHours, offsetMinutes] = [Number(match[9] ?? 0), Number(match[10] ?? 0)];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59
  );
}

/** An RFC 3339 timestamp with an offset; see {@link isRfc3339}. */
export function IsRfc3339(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRfc3339',
      validator: {
        validate: (value) => isRfc3339(value),
        defaultMessage: () => 'must be an RFC 3339 timestamp with an offset, e.g. 2026-01-31T17:00:00Z',
      },
    },
    options,
  );
}

/**
 * Optional, but not nullable: an absent field is skipped, an explicit `null` is validated (and so
 * rejected by the field's other rules). class-validator's `IsOptional` would let `null` through to
 * NOT NULL columns.
 */
export function IsOptionalNotNull(): PropertyDecorator {
  return ValidateIf((_, value) => value !== undefined);
}
