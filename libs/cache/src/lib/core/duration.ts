import { InvalidOptionError, InvalidTtlError } from './errors';

/**
 * A duration: milliseconds as a number, or a string such as `'500ms'`, `'30s'`, `'5m'`, `'24h'`, `'7d'`
 * (the spec's TTL tables use these).
 */
export type Duration = number | `${number}${DurationUnit}` | `${number} ${DurationUnit}`;

/** Units accepted in a {@link Duration} string. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const parsed = new Map<string, number>();

/**
 * Converts a {@link Duration} to whole milliseconds. `field` names the option in the error message.
 * NaN, Infinity, negative values and unknown units throw {@link InvalidTtlError}; zero is allowed only with
 * `allowZero` (e.g. "no grace").
 */
export function toMs(value: Duration, field: string, allowZero = false): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const cached = parsed.get(value);
    if (cached !== undefined) return check(cached, field, allowZero, value);
    const match = PATTERN.exec(value.trim());
    if (!match) {
      throw new InvalidTtlError(`${field}: "${value}" is not a duration (use e.g. 500ms, 30s, 5m, 24h, 7d)`);
    }
    ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as DurationUnit]);
    if (parsed.size < 1000) parsed.set(value, ms);
  } else {
    throw new InvalidTtlError(`${field}: expected a number of ms or a duration string, got ${typeof value}`);
  }
  return check(ms, field, allowZero, value);
}

function check(ms: number, field: string, allowZero: boolean, raw: unknown): number {
  if (!Number.isFinite(ms) || ms < 0 || (!allowZero && ms === 0)) {
    throw new InvalidTtlError(
      `${field}: ${String(raw)} is not a valid duration (must be a finite number ${allowZero ? '>= 0' : '> 0'})`,
    );
  }
  return Math.round(ms);
}

/** Parses a byte size: a number, or a string such as `'512MB'`, `'64kb'`, `'1GB'`. */
export function toBytes(value: number | string, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0)
      throw new InvalidOptionError(`${field}: ${value} is not a size`);
    return Math.floor(value);
  }
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i.exec(value.trim());
  if (!match) throw new InvalidOptionError(`${field}: "${value}" is not a size (use e.g. 64KB, 512MB, 1GB)`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[match[2].toLowerCase() as 'b'];
  return Math.floor(Number(match[1]) * unit);
}
