import { DecodeFailedError, InvalidValueError } from './errors';

/**
 * An entry as stored in L1 and, JSON-encoded, in L2. Timestamps are absolute (ms since epoch) so that an
 * entry read from L2 fills L1 with its *remaining* lifetime, not a fresh one.
 */
export interface StoredEntry<T = unknown> {
  /** The value. */
  readonly v: T;
  /** Logical expiry: the entry is fresh before this instant. */
  readonly e: number;
  /** Soft expiry (stale-while-revalidate): past it, `getOrSet` refreshes in the background. */
  readonly s?: number;
  /** End of grace: past `e` and before this, the entry may be served when the loader or L2 fails. */
  readonly g?: number;
  /** Tags (full, namespaced). */
  readonly t?: readonly string[];
  /**
   * Write id of a loader fill, as read back from L2 (see {@link encodeEntry}). Absent on entries written by
   * `set` and on entries written before fills carried one.
   */
  readonly w?: string;
}

/** The opening of a stored entry that carries `writeId`: the bytes a compare-and-delete checks in L2. */
export function entryHead(writeId: string): string {
  return `{"w":"${writeId}",`;
}

/**
 * Encodes an entry as compact JSON (`{"v":…,"e":…}`). JSON was kept as the only codec: on ~1 KB objects
 * V8's JSON is faster than the binary codecs we tried in JS, and it stays readable with `redis-cli`.
 * Rejects values JSON cannot round-trip (undefined, functions, symbols, BigInt, cycles).
 *
 * With a `writeId` (a loader fill), the id goes first: `{"w":"<id>","v":…}`, i.e. {@link entryHead} then the
 * rest. The engine can then ask L2 to delete the key only while it still holds this very write by comparing a
 * few bytes at the start of the value, without sending or keeping the whole value. It is still one JSON
 * object: readers that do not know `w` (older versions) ignore it, and entries without it decode as before.
 * `writeId` must need no JSON escaping (the engine's ids are base64url and base-36 digits).
 */
export function encodeEntry(key: string, entry: StoredEntry, writeId?: string): string {
  const value = entry.v;
  const type = typeof value;
  if (value === undefined || type === 'function' || type === 'symbol' || type === 'bigint') {
    throw new InvalidValueError(`Value for "${key}" cannot be cached: ${type} is not serializable`);
  }
  try {
    const json = JSON.stringify(entry);
    // `entry` always has `v` and `e`, so `json` is `{` followed by at least one member.
    return writeId === undefined ? json : entryHead(writeId) + json.slice(1);
  } catch (error) {
    throw new InvalidValueError(
      `Value for "${key}" cannot be serialized: ${(error as Error).message}`,
      error,
    );
  }
}

/** Decodes what {@link encodeEntry} wrote; anything else is a {@link DecodeFailedError}. */
export function decodeEntry<T>(key: string, raw: string): StoredEntry<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new DecodeFailedError(key, error);
  }
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    !('v' in parsed) ||
    typeof (parsed as { e?: unknown }).e !== 'number'
  ) {
    throw new DecodeFailedError(key, new Error('not a cache entry envelope'));
  }
  return parsed as StoredEntry<T>;
}
