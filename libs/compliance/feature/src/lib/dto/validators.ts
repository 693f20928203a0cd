import { findInputProblems } from '@platform/service-kit';
import { buildMessage, ValidateBy, ValidationOptions } from 'class-validator';

const KNOWN_TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'));
const TIME_ZONE_SHAPE = /^[A-Z][A-Za-z0-9_+-]*(?:\/[A-Z][A-Za-z0-9_+-]*)*$/;

/** Whether `value` is an IANA time zone name (canonical or link, e.g. `America/New_York`, `UTC`); offsets are not. */
export function isIanaTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 64) return false;
  if (KNOWN_TIME_ZONES.has(value)) return true;
  if (!TIME_ZONE_SHAPE.test(value)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The property must be an IANA time zone name known to the runtime. */
export function IsIanaTimeZone(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIanaTimeZone',
      validator: {
        validate: (value) => isIanaTimeZone(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an IANA time zone such as America/New_York`,
          options,
        ),
      },
    },
    options,
  );
}

/**
 * The property must be a number greater than the sibling number `property`. When the sibling is not a
 * number this check passes: the sibling's own validators report it.
 */
export function IsGreaterThanProperty(property: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isGreaterThanProperty',
      constraints: [property],
      validator: {
        validate: (value, args) => {
          const other = (args?.object as Record<string, unknown> | undefined)?.[property];
          if (typeof other !== 'number' || !Number.isFinite(other)) return true;
          return typeof value === 'number' && value > other;
        },
        defaultMessage: buildMessage((each) => `${each}$property must be greater than $constraint1`, options),
      },
    },
    options,
  );
}

/**
 * Why `value` is not a usable rule set JSON string, or undefined when it is: it must hold a JSON object with
 * at least one key, and pass the edge checks a REST body gets (no NUL characters, bounded nesting), since
 * the validation pipe sees only the string.
 */
export function jsonObjectStringProblem(value: unknown): string | undefined {
  const parsed = parseJsonObject(value);
  if (parsed === undefined) return 'must be a JSON object with at least one key';
  return findInputProblems(parsed)[0]?.message;
}

/** The property must be a string holding a JSON object with at least one key, e.g. `{"quietHours":true}`. */
export function IsJsonObjectString(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isJsonObjectString',
      validator: {
        validate: (value) => jsonObjectStringProblem(value) === undefined,
        defaultMessage: buildMessage(
          (each, args) => `${each}$property ${jsonObjectStringProblem(args?.value) ?? 'is invalid'}`,
          options,
        ),
      },
    },
    options,
  );
}

/** `value` parsed as a non-empty JSON object, or undefined when it is not a string holding one. */
export function parseJsonObject(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return isNonEmptyPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `value` is a JSON object (not an array or null) with at least one key. */
export function isNonEmptyPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0
  );
}
