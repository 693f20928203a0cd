import { z } from 'zod';

/** A TCP port given as a string in the environment. */
export const portVar = () =>
  z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535');

/** A positive integer (timeouts, pool sizes) given as a string. */
export const positiveIntVar = () =>
  z.coerce.number({ message: 'must be a number' }).int('must be a whole number').positive('must be > 0');

/** A URL with one of the given protocols, e.g. `urlVar('postgres:', 'postgresql:')`. */
export const urlVar = (...protocols: string[]) =>
  z.string({ message: 'is required' }).refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/** A comma-separated list of `host:port` pairs, e.g. Kafka brokers or Redis Cluster seeds. */
export const hostPortListVar = () =>
  z
    .string({ message: 'is required' })
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .refine((entries) => entries.length > 0, { message: 'must list at least one host:port' })
    .refine((entries) => entries.every((entry) => /^[^\s:]+:\d{1,5}$/.test(entry)), {
      message: 'must be a comma-separated list of host:port',
    });

/** A boolean given as `true|false|1|0`. */
export const boolVar = () =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true, false, 1 or 0' })
    .transform((value) => value === 'true' || value === '1');

/** A Postgres identifier (schema names end up in SQL, so only a safe subset is allowed). */
export const identifierVar = () =>
  z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase SQL identifier ([a-z_][a-z0-9_]*)');
