import type { ArgumentMetadata, Type } from '@nestjs/common';
import { RpcParamtype } from '@nestjs/microservices/enums/rpc-paramtype.enum';
import { US_STATE_CODES } from '@platform/contracts';
import { getMetadataStorage } from 'class-validator';
import fc from 'fast-check';
import { ValidationFailedError } from '../lib/errors';
import { createValidationPipe, MAX_INPUT_DEPTH } from '../lib/pipes/validation.pipe';
import { ENTITY_ID_MAX_LENGTH } from '../lib/validation/validators';

/**
 * Property-based checks of a request DTO through the real edge validation pipe (the one every service
 * installs as `APP_PIPE`): valid instances pass unchanged, and every kind of hostile input is refused with a
 * {@link ValidationFailedError} (a 400) that names the field at fault, never with an error of another kind.
 */

/**
 * Where the DTO is read from; query and path values arrive as strings. `payload` is a gRPC request as the
 * handler's `@Payload()` gets it: decoded with proto3 defaults filled in, so an unset scalar arrives as `''`
 * or `0` and may come out of the pipe unset.
 */
export type DtoSource = 'body' | 'query' | 'param' | 'payload';

/** Options of {@link describeDtoProperties}. */
export interface DtoPropertiesOptions {
  /** Generates payloads the DTO must accept, as they arrive (strings for query and path values). */
  valid: fc.Arbitrary<Record<string, unknown>>;
  /** Where the DTO is read from; `body` when not given. */
  source?: DtoSource;
  /** Runs per property; 100 when not given (fast-check's default). */
  numRuns?: number;
  /**
   * Per field, values of the wrong type that no transform of the field can turn valid. The default, a
   * non-empty object and an array of objects, suits every field but a free-form object (pass a number).
   */
  wrongType?: Record<string, fc.Arbitrary<unknown>>;
}

/** The seed of every property run, from `FC_SEED` (to replay a failure) or fast-check's own choice. */
export const propertySeed = (): number | undefined =>
  process.env['FC_SEED'] ? Number(process.env['FC_SEED']) : undefined;

/** Fields of `dto` with their validators, and whether each may be left out (`@IsOptional`, `@ValidateIf`). */
export function dtoFields(dto: Type<unknown>): { name: string; required: boolean }[] {
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const byName = new Map<string, boolean>();
  for (const meta of metadatas) {
    const optional = meta.type === 'conditionalValidation';
    byName.set(meta.propertyName, (byName.get(meta.propertyName) ?? true) && !optional);
  }
  return [...byName].map(([name, required]) => ({ name, required }));
}

/** Outcome of running a payload through the pipe: the value, or the error it threw. */
type PipeOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Runs `payload` through a fresh edge validation pipe as `dto` read from `source`. */
export async function runEdgePipe(
  dto: Type<unknown>,
  source: DtoSource,
  payload: unknown,
): Promise<PipeOutcome> {
  const type = source === 'payload' ? (RpcParamtype.PAYLOAD as unknown as ArgumentMetadata['type']) : source;
  const metadata: ArgumentMetadata = { type, metatype: dto };
  try {
    return { ok: true, value: await createValidationPipe().transform(payload, metadata) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Fails unless `outcome` is a {@link ValidationFailedError} with a `fields` entry at `field` or below it. */
export function expectRejectedNaming(outcome: PipeOutcome, field: string): void {
  if (outcome.ok) throw new Error(`accepted, but ${field} is invalid: ${JSON.stringify(outcome.value)}`);
  const { error } = outcome;
  if (!(error instanceof ValidationFailedError)) {
    throw new Error(`rejected with ${String(error)} instead of a ValidationFailedError naming ${field}`);
  }
  // A 400 over HTTP, INVALID_ARGUMENT over gRPC (the filter maps by kind).
  expect(error.kind).toBe('invalid');
  const names = error.fields.map((f) => f.field);
  if (!names.some((name) => name === field || name.startsWith(`${field}.`))) {
    throw new Error(`rejected naming ${JSON.stringify(names)}, not ${field}`);
  }
}

/** Fails unless `outcome` passed, or was refused with a well-formed {@link ValidationFailedError}. */
export function expectAcceptedOrNamed(outcome: PipeOutcome): void {
  if (outcome.ok) return;
  const { error } = outcome;
  if (!(error instanceof ValidationFailedError)) {
    throw new Error(
      `threw ${String(error)} (${(error as Error)?.constructor?.name}), not a ValidationFailedError`,
    );
  }
  expect(error.fields.length).toBeGreaterThan(0);
  for (const { field, message } of error.fields) {
    // A key may be '' in JSON; the 400 then names '' (with `should not exist`), which is still its name.
    expect(typeof field).toBe('string');
    expect(message.length).toBeGreaterThan(0);
  }
}

/** The payload as JSON text parsed back, with `key: value` as its first own property (so `__proto__` is data). */
function withKey(payload: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const rest = JSON.stringify(payload).slice(1);
  return JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value)}${rest === '}' ? '' : ','}${rest}`);
}

/** Keys that have polluted prototypes elsewhere, plus names a caller might hope a service trusts. */
const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'isAdmin',
  'role',
  'hasOwnProperty',
  'toString',
];

/** A non-empty object and an array of objects: no transform of a scalar or list field makes them valid. */
const DEFAULT_WRONG_TYPE: fc.Arbitrary<unknown> = fc.oneof(
  fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), {
    minKeys: 1,
    maxKeys: 3,
  }),
  fc.array(fc.constant({ nested: {} }), { minLength: 1, maxLength: 3 }),
);

/** JSON text nested `depth` levels deep as arrays or objects, built without recursion. */
const deepValue = (depth: number, shape: 'array' | 'object'): unknown =>
  JSON.parse(
    shape === 'array'
      ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/** `value` as a query or path value arrives: a string (objects and arrays keep their shape, as a parser builds them). */
const asSourced = (source: DtoSource, value: unknown): unknown =>
  isJsonSource(source) || typeof value === 'object' ? value : String(value);

/** Whether values arrive typed (a JSON body, a decoded gRPC request) rather than as strings. */
const isJsonSource = (source: DtoSource): boolean => source === 'body' || source === 'payload';

/** A proto3 default: what a gRPC request carries for a scalar the caller left unset. */
const isProtoDefault = (value: unknown): boolean => value === '' || value === 0;

/**
 * Registers a `describe` of property tests for `dto` (see the file comment). Failures print fast-check's
 * seed and shrunk counterexample; `FC_SEED=<seed>` replays a run.
 */
export function describeDtoProperties(dto: Type<unknown>, options: DtoPropertiesOptions): void {
  const source = options.source ?? 'body';
  const params = { numRuns: options.numRuns ?? 100, seed: propertySeed() };
  const fields = dtoFields(dto);
  const names = fields.map((f) => f.name);
  const required = fields.filter((f) => f.required).map((f) => f.name);
  const field = fc.constantFrom(...names);
  const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');

  describe(`${dto.name} (${source}) through the edge validation pipe`, () => {
    const before = prototypeKeys();
    afterAll(() => {
      // Nothing a payload did may have reached Object.prototype.
      expect(prototypeKeys()).toBe(before);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });

    it('should accept every valid payload and return the same data as a DTO instance', async () => {
      await fc.assert(
        fc.asyncProperty(options.valid, async (payload) => {
          const outcome = await runEdgePipe(dto, source, payload);
          if (!outcome.ok) throw new Error(`refused a valid payload: ${String(outcome.error)}`);
          expect(outcome.value).toBeInstanceOf(dto);
          const out = outcome.value as Record<string, unknown>;
          for (const [key, value] of Object.entries(payload)) {
            // A proto3 default may mean unset (`emptyAsMissing`, `PageLimit`): then it comes out unset.
            if (source === 'payload' && out[key] === undefined && isProtoDefault(value)) continue;
            if (isJsonSource(source)) expect(JSON.parse(JSON.stringify(out[key] ?? null))).toEqual(value);
            else expect(String(out[key])).toBe(value);
          }
          for (const key of Object.keys(out)) expect(names).toContain(key);
        }),
        params,
      );
    });

    if (required.length > 0) {
      it('should refuse a payload missing a required field, naming it', async () => {
        await fc.assert(
          fc.asyncProperty(options.valid, fc.constantFrom(...required), async (payload, missing) => {
            const { [missing]: _dropped, ...rest } = payload;
            expectRejectedNaming(await runEdgePipe(dto, source, rest), missing);
          }),
          params,
        );
      });
    }

    it('should refuse a field of the wrong type, naming it', async () => {
      const wrong = fc
        .constantFrom(...names)
        .chain((name) => fc.tuple(fc.constant(name), options.wrongType?.[name] ?? DEFAULT_WRONG_TYPE));
      await fc.assert(
        fc.asyncProperty(options.valid, wrong, async (payload, [name, value]) => {
          expectRejectedNaming(await runEdgePipe(dto, source, { ...payload, [name]: value }), name);
        }),
        params,
      );
    });

    it('should refuse unknown and prototype-polluting keys, naming them', async () => {
      const unknownKey = fc.oneof(
        fc.constantFrom(...HOSTILE_KEYS),
        fc.string({ minLength: 1, maxLength: 20 }).filter((key) => !names.includes(key)),
      );
      await fc.assert(
        fc.asyncProperty(
          options.valid,
          unknownKey,
          fc.jsonValue({ maxDepth: 2 }),
          async (payload, key, value) => {
            const polluting = key === '__proto__' ? { polluted: true } : value;
            const outcome = await runEdgePipe(dto, source, withKey(payload, key, polluting));
            expectRejectedNaming(outcome, key);
          },
        ),
        params,
      );
    });

    it('should refuse a NUL character in any field, naming it', async () => {
      await fc.assert(
        fc.asyncProperty(options.valid, field, fc.string({ maxLength: 10 }), async (payload, name, text) => {
          const value = `${text}\u0000${text}`;
          expectRejectedNaming(await runEdgePipe(dto, source, { ...payload, [name]: value }), name);
        }),
        params,
      );
    });

    it(`should refuse nesting deeper than ${MAX_INPUT_DEPTH} levels in any field, naming it`, async () => {
      await fc.assert(
        fc.asyncProperty(
          options.valid,
          field,
          fc.integer({ min: MAX_INPUT_DEPTH, max: 5000 }),
          fc.constantFrom('array' as const, 'object' as const),
          async (payload, name, depth, shape) => {
            const value = deepValue(depth, shape);
            expectRejectedNaming(await runEdgePipe(dto, source, { ...payload, [name]: value }), name);
          },
        ),
        { ...params, numRuns: Math.min(params.numRuns, 30) },
      );
    });

    it('should refuse a huge string in any field, naming it', async () => {
      await fc.assert(
        fc.asyncProperty(
          options.valid,
          field,
          fc.integer({ min: ENTITY_ID_MAX_LENGTH * 1000, max: 2_000_000 }),
          // Not whitespace: a numeric query value of spaces is `Number('   ') = 0`, i.e. unset (lenient, not wrong).
          fc.constantFrom('a', '1', 'A', ':', '\u00e9', '\ud83d\ude00'),
          async (payload, name, length, unit) => {
            const value = unit.repeat(Math.ceil(length / unit.length));
            expectRejectedNaming(await runEdgePipe(dto, source, { ...payload, [name]: value }), name);
          },
        ),
        { ...params, numRuns: Math.min(params.numRuns, 30) },
      );
    });

    it('should answer any JSON value, or any value in any field, with the DTO or a 400 naming fields', async () => {
      const anyPayload = fc.oneof(
        fc.jsonValue(),
        fc.tuple(options.valid, field, fc.jsonValue()).map(([payload, name, value]) => ({
          ...payload,
          [name]: asSourced(source, value),
        })),
        fc.dictionary(fc.constantFrom(...names, ...HOSTILE_KEYS), fc.jsonValue({ maxDepth: 3 })),
      );
      await fc.assert(
        fc.asyncProperty(anyPayload, async (payload) =>
          expectAcceptedOrNamed(await runEdgePipe(dto, source, payload)),
        ),
        params,
      );
    });
  });
}

/** Generators of the values the services' DTOs accept, as they would arrive in a JSON body. */
export const validValues = {
  /** An external id: 1–64 characters of `[A-Za-z0-9._:-]`. */
  entityId: (): fc.Arbitrary<string> =>
    fc.string({
      unit: fc.constantFrom(...'abcXYZ019._:-'.split('')),
      minLength: 1,
      maxLength: ENTITY_ID_MAX_LENGTH,
    }),
  /** A US state code (50 states + DC). */
  usState: (): fc.Arbitrary<string> => fc.constantFrom(...US_STATE_CODES),
  /** An IANA time zone name the runtime knows (`America/New_York`, `UTC`, …). */
  timeZone: (): fc.Arbitrary<string> => fc.constantFrom('UTC', ...Intl.supportedValuesOf('timeZone')),
  /**
   * An RFC 3339 timestamp of an instant in [min, max] (default 1970–2099) in every form the standard allows:
   * any offset from `-23:59` to `+23:59` (or `Z`), 0–9 fraction digits (the instant truncated to them, so
   * order between instants a second apart is kept), `T`/`Z` in either case.
   */
  rfc3339: (range: { min?: Date; max?: Date } = {}): fc.Arbitrary<string> =>
    fc
      .record({
        date: fc.date({
          min: range.min ?? new Date('1970-01-01T00:00:00Z'),
          max: range.max ?? new Date('2099-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        offset: fc.oneof(fc.constant(undefined), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 })),
        fractionDigits: fc.integer({ min: 0, max: 9 }),
        extraDigits: fc.string({
          unit: fc.constantFrom(...'0123456789'.split('')),
          minLength: 6,
          maxLength: 6,
        }),
        lowerT: fc.boolean(),
        lowerZ: fc.boolean(),
      })
      .map(({ date, offset, fractionDigits, extraDigits, lowerT, lowerZ }) => {
        // The wall clock at the offset, read through UTC getters of the shifted instant.
        const local = new Date(date.getTime() + (offset ?? 0) * 60_000).toISOString();
        const fraction = `${local.slice(20, 23)}${extraDigits}`.slice(0, fractionDigits);
        const abs = Math.abs(offset ?? 0);
        const zone =
          offset === undefined
            ? lowerZ
              ? 'z'
              : 'Z'
            : `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        return `${local.slice(0, 10)}${lowerT ? 't' : 'T'}${local.slice(11, 19)}${fraction ? `.${fraction}` : ''}${zone}`;
      }),
  /** An RFC 3339 timestamp with an offset, in the past (2001–2025). */
  pastRfc3339: (): fc.Arbitrary<string> =>
    fc
      .date({
        min: new Date('2001-01-01T00:00:00Z'),
        max: new Date('2025-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString()),
  /** An RFC 3339 timestamp far in the future (2030–2090). */
  futureRfc3339: (): fc.Arbitrary<string> =>
    fc
      .date({
        min: new Date('2030-01-01T00:00:00Z'),
        max: new Date('2090-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString()),
  /** An E.164 number already in canonical form (`+14155550100`): 7 to 15 digits. */
  e164: (): fc.Arbitrary<string> =>
    fc
      .tuple(
        fc.integer({ min: 1, max: 9 }),
        fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: 6, maxLength: 14 }),
      )
      .map(([first, rest]) => `+${first}${rest}`),
  /** A SHA-256 hash as 64 lowercase hex characters (a phone hash). */
  sha256Hex: (): fc.Arbitrary<string> =>
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: 64, maxLength: 64 }),
  /** A UUID as the services issue them. */
  uuid: (): fc.Arbitrary<string> => fc.uuid(),
  /** A UTC hour `YYYY-MM-DDTHH`. */
  utcHour: (): fc.Arbitrary<string> =>
    fc
      .date({
        min: new Date('2001-01-01T00:00:00Z'),
        max: new Date('2090-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString().slice(0, 13)),
  /** A page size 1..500. */
  pageLimit: (): fc.Arbitrary<number> => fc.integer({ min: 1, max: 500 }),
};
