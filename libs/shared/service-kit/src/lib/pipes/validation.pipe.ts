import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { RpcParamtype } from '@nestjs/microservices/enums/rpc-paramtype.enum';
import { FieldError, ValidationFailedError } from '../errors';

/**
 * Deepest nesting of objects and arrays accepted in a payload (the payload itself is level 1). Real
 * payloads stay within a handful of levels; the bound keeps class-transformer, class-validator and
 * JSON handling further in from overflowing the stack on hostile input (`[[[…]]]`).
 */
export const MAX_INPUT_DEPTH = 32;

/** Flattens class-validator's nested errors into `field: message` pairs with dotted paths. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const constraints = Object.values(error.constraints ?? {});
    // A missing field fails every rule of its own; one message says what is wrong. (Nest's own error about
    // the payload as a whole, e.g. an array where an object belongs, has no `value` and keeps its message.)
    if ('value' in error && error.value === undefined && constraints.length > 0) {
      return [{ field, message: 'is required' }];
    }
    // class-validator prefixes the property name ("amountCents must…", "property admin should…");
    // the field is reported separately, so keep only the reason.
    const prefixes = [`property ${error.property} `, `${error.property} `];
    const own = constraints.map((message) => {
      const prefix = prefixes.find((p) => message.startsWith(p));
      return { field, message: prefix ? message.slice(prefix.length) : message };
    });
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

const NUL = '\u0000';

/**
 * Keys no payload field is named: `__proto__`, `prototype` and the members of `Object.prototype`
 * (`constructor`, `toString`, …). class-transformer never copies them, so the whitelist would drop them
 * silently; they are refused, named, like any other unknown field.
 */
const isReservedKey = (key: string): boolean => key === 'prototype' || key in Object.prototype;

/**
 * Objects and arrays as JSON and protobuf decoding build them, and Fastify's path parameters (find-my-way's
 * `NullObject`, whose prototype has no prototype); class instances are not payload data.
 */
const isPlainData = (value: unknown): value is Record<string, unknown> | unknown[] => {
  if (Array.isArray(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
};

/**
 * What the edge refuses in the shape of a payload before anything else reads it: a string or key holding a
 * NUL character (Postgres refuses them in text and jsonb), a reserved key (`__proto__`, `constructor`, …)
 * and objects or arrays nested deeper than
 * `maxDepth` levels. Each problem names its dotted path (`(value)` for the payload itself); a too-deep
 * branch is reported once, at the first level past the limit. Iterative and cycle-safe, so no input
 * can overflow the stack; only plain objects and arrays are walked.
 */
export function findInputProblems(value: unknown, maxDepth = MAX_INPUT_DEPTH): FieldError[] {
  const problems: FieldError[] = [];
  const seen = new Set<object>();
  // Depth-first in document order: children are pushed in reverse.
  const stack: { value: unknown; path: string; depth: number; badKey?: string }[] = [
    { value, path: '', depth: 1 },
  ];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const field = frame.path || '(value)';
    if (frame.badKey !== undefined) {
      problems.push({ field, message: frame.badKey });
      continue;
    }
    if (typeof frame.value === 'string') {
      if (frame.value.includes(NUL)) problems.push({ field, message: 'must not contain NUL characters' });
      continue;
    }
    if (!isPlainData(frame.value) || seen.has(frame.value)) continue;
    seen.add(frame.value);
    if (frame.depth > maxDepth) {
      problems.push({ field, message: `nested deeper than ${maxDepth} levels` });
      continue;
    }
    const entries = Object.entries(frame.value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i];
      const path = frame.path ? `${frame.path}.${key}` : key;
      const badKey = key.includes(NUL)
        ? 'must not contain NUL characters'
        : isReservedKey(key)
          ? 'is a reserved name and not allowed'
          : undefined;
      stack.push({ value: item, path, depth: frame.depth + 1, badKey });
    }
  }
  return problems;
}

/**
 * Whether a handler argument is caller input: a REST body, query or path, or a gRPC / Kafka payload.
 * A gRPC handler without `@Payload()` gets its metadata and the call object through the pipes too; the
 * call holds sockets and timers (a cyclic graph) and is no one's input.
 */
const isCallerInput = (metadata: ArgumentMetadata): boolean =>
  metadata.type === 'body' ||
  metadata.type === 'query' ||
  metadata.type === 'param' ||
  isRpcPayload(metadata);

/** Whether the argument is a gRPC or Kafka `@Payload()`. */
const isRpcPayload = ({ type }: ArgumentMetadata): boolean => (type as unknown) === RpcParamtype.PAYLOAD;

/** Distinct inputs remembered per path or query DTO class (the oldest forgotten first). */
export const VALIDATION_MEMO_SIZE = 1024;

/** Set by {@link ValidateEachRequest} on a DTO class. */
const EACH_REQUEST = Symbol('validateEachRequest');

/**
 * Marks a path or query DTO whose rules depend on more than its input (the clock, a database, a setting
 * that changes): it is validated on every request. Without it, a path or query DTO is validated once per
 * distinct input (see {@link createValidationPipe}).
 */
export function ValidateEachRequest(): ClassDecorator {
  return (target) => {
    Object.defineProperty(target, EACH_REQUEST, { value: true });
  };
}

type DtoClass = abstract new (...args: never[]) => object;

/** A path or query object as the HTTP frameworks build it, with string values only (no repeated query keys). */
const isFlatStrings = (value: unknown): value is Record<string, string> => {
  if (!isPlainData(value) || Array.isArray(value)) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
};

/** A validated DTO that can be handed out again: its own values are primitives, nothing a handler could share. */
const isFlatInstance = (value: unknown): value is object => {
  if (typeof value !== 'object' || value === null) return false;
  for (const item of Object.values(value)) if (typeof item === 'object' && item !== null) return false;
  return true;
};

/** A fresh instance of the same class with the same fields, so a handler that changes its DTO changes only its own. */
const copyOf = (dto: object): object =>
  Object.assign(Object.create(Object.getPrototypeOf(dto) as object), dto);

/**
 * Class-validator validation plus two rules for every field of every payload, checked first: no NUL
 * characters and no nesting deeper than {@link MAX_INPUT_DEPTH}. Without them Postgres would refuse the
 * NULs and deep nesting would overflow the stack in class-transformer, both as a 500.
 *
 * Path and query DTOs are validated once per distinct input and the result handed out as a copy on the next
 * request with the same input: the rules of a path or query DTO are a function of its strings, and a hot key
 * is asked for thousands of times a second (class-transformer and class-validator cost about 10 µs per
 * request, a tenth of a cached answer's whole cost on Fastify). Only valid inputs are remembered, at most
 * {@link VALIDATION_MEMO_SIZE} per class; a DTO marked {@link ValidateEachRequest} is always validated.
 */
class EdgeValidationPipe extends ValidationPipe {
  private readonly memo = new WeakMap<DtoClass, Map<string, object>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (!isCallerInput(metadata)) return value;
    const remembered = this.memoFor(value, metadata);
    if (remembered === undefined) return this.validateInput(value, metadata);
    const key = JSON.stringify(value);
    const known = remembered.get(key);
    if (known !== undefined) return copyOf(known);
    const dto = await this.validateInput(value, metadata);
    if (isFlatInstance(dto)) {
      if (remembered.size >= VALIDATION_MEMO_SIZE)
        remembered.delete(remembered.keys().next().value as string);
      remembered.set(key, copyOf(dto));
    }
    return dto;
  }

  /** The memo of the argument's DTO class, when its validation can be remembered. */
  private memoFor(value: unknown, metadata: ArgumentMetadata): Map<string, object> | undefined {
    const { type, metatype } = metadata;
    if ((type !== 'param' && type !== 'query') || typeof metatype !== 'function') return undefined;
    if (!this.toValidate(metadata) || (metatype as { [EACH_REQUEST]?: true })[EACH_REQUEST]) return undefined;
    if (!isFlatStrings(value)) return undefined;
    const dtoClass = metatype as DtoClass;
    let remembered = this.memo.get(dtoClass);
    if (remembered === undefined) this.memo.set(dtoClass, (remembered = new Map()));
    return remembered;
  }

  private async validateInput(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const problems = findInputProblems(value);
    if (problems.length > 0) throw new ValidationFailedError(problems);
    // Nest names an error about the payload as a whole `metadata.data || metadata.type`: for a gRPC or Kafka
    // payload that is RpcParamtype.PAYLOAD, the number 3, where every field name is a string.
    const named = isRpcPayload(metadata) ? { ...metadata, data: metadata.data || '(payload)' } : metadata;
    return super.transform(value, named);
  }
}

/**
 * The edge validation used for REST and gRPC alike: unknown fields are rejected, payloads are turned
 * into DTO instances, NUL characters and nesting deeper than {@link MAX_INPUT_DEPTH} are refused anywhere,
 * and failures become a {@link ValidationFailedError} naming each field (a missing field once, as
 * `is required`).
 */
export function createValidationPipe(): ValidationPipe {
  return new EdgeValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    // The value stays on the error so a missing field can be told apart; callers only see `fields`.
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => new ValidationFailedError(flattenValidationErrors(errors)),
  });
}
