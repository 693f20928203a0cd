/** Stable codes for every error the cache engine throws; match on `code`, never on the message. */
export const CacheErrorCode = {
  /** A key is empty, too long or not a string. */
  InvalidKey: 'E_CACHE_INVALID_KEY',
  /** A TTL or duration is NaN, negative, zero where not allowed, or unparsable. */
  InvalidTtl: 'E_CACHE_INVALID_TTL',
  /** A value cannot be serialized (cycle, BigInt, function, `undefined`). */
  InvalidValue: 'E_CACHE_INVALID_VALUE',
  /** A serialized value is larger than the configured maximum entry size. */
  EntryTooLarge: 'E_CACHE_ENTRY_TOO_LARGE',
  /** An option passed to a factory or a call is invalid. */
  InvalidOption: 'E_CACHE_INVALID_OPTION',
  /** L2 could not be reached, timed out, or its circuit breaker is open. */
  L2Unavailable: 'E_L2_UNAVAILABLE',
  /** The loader given to `getOrSet` failed and no stale value could be served. */
  LoaderFailed: 'E_CACHE_LOADER_FAILED',
  /** The loader exceeded its hard timeout and no stale value could be served. */
  LoaderTimeout: 'E_CACHE_LOADER_TIMEOUT',
  /** A value read from L2 could not be decoded. */
  DecodeFailed: 'E_CACHE_DECODE_FAILED',
  /** The cache was closed; it no longer accepts calls. */
  Closed: 'E_CACHE_CLOSED',
  /** A driver does not support an operation (e.g. tags on a legacy store). */
  Unsupported: 'E_CACHE_UNSUPPORTED',
} as const;

/** One of the values of {@link CacheErrorCode}. */
export type CacheErrorCode = (typeof CacheErrorCode)[keyof typeof CacheErrorCode];

/** Base class of every cache error: a stable `code`, a human message, the underlying `cause`. */
export class CacheError extends Error {
  /** Stable, machine-readable error code. */
  readonly code: CacheErrorCode;

  constructor(code: CacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Thrown for an invalid key: empty, longer than the configured maximum, or not a string. */
export class InvalidKeyError extends CacheError {
  constructor(message: string) {
    super(CacheErrorCode.InvalidKey, message);
  }
}

/** Thrown for a TTL or duration that is NaN, negative or cannot be parsed. */
export class InvalidTtlError extends CacheError {
  constructor(message: string) {
    super(CacheErrorCode.InvalidTtl, message);
  }
}

/** Thrown when a value cannot be serialized; the cache is left unchanged. */
export class InvalidValueError extends CacheError {
  constructor(message: string, cause?: unknown) {
    super(CacheErrorCode.InvalidValue, message, { cause });
  }
}

/** Thrown when a serialized entry is larger than `maxEntryBytes`; the cache is left unchanged. */
export class EntryTooLargeError extends CacheError {
  constructor(
    readonly key: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(
      CacheErrorCode.EntryTooLarge,
      `Entry "${key}" is ${bytes} bytes, over the ${maxBytes}-byte maximum`,
    );
  }
}

/** Thrown for an invalid option in a factory or call. */
export class InvalidOptionError extends CacheError {
  constructor(message: string) {
    super(CacheErrorCode.InvalidOption, message);
  }
}

/** L2 failed: unreachable, timed out, or short-circuited by the breaker. */
export class L2UnavailableError extends CacheError {
  /**
   * Why L2 was unavailable, when known: `'short_circuit'` (the breaker was open and no call was made),
   * `'timeout'` (the call exceeded its time budget) or `'error'` (the call failed). Set by the circuit breaker;
   * matches the `outcome` label of L2 metrics.
   */
  readonly reason?: 'short_circuit' | 'timeout' | 'error';

  constructor(message: string, cause?: unknown, reason?: 'short_circuit' | 'timeout' | 'error') {
    super(CacheErrorCode.L2Unavailable, message, { cause });
    if (reason !== undefined) this.reason = reason;
  }
}

/** The loader failed and there was no stale value to fall back on. */
export class LoaderFailedError extends CacheError {
  constructor(
    readonly key: string,
    cause: unknown,
  ) {
    super(CacheErrorCode.LoaderFailed, `Loader for "${key}" failed`, { cause });
  }
}

/** The loader exceeded its hard timeout and there was no stale value to fall back on. */
export class LoaderTimeoutError extends CacheError {
  constructor(
    readonly key: string,
    readonly timeoutMs: number,
  ) {
    super(CacheErrorCode.LoaderTimeout, `Loader for "${key}" did not finish within ${timeoutMs} ms`);
  }
}

/** An L2 payload could not be decoded; the entry is treated as a miss and removed. */
export class DecodeFailedError extends CacheError {
  constructor(key: string, cause: unknown) {
    super(CacheErrorCode.DecodeFailed, `Value for "${key}" could not be decoded`, { cause });
  }
}

/** The cache was closed with `disconnect()`. */
export class CacheClosedError extends CacheError {
  constructor() {
    super(CacheErrorCode.Closed, 'The cache is closed');
  }
}

/** A driver does not support the requested operation. */
export class UnsupportedOperationError extends CacheError {
  constructor(message: string) {
    super(CacheErrorCode.Unsupported, message);
  }
}
