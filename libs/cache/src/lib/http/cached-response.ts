import { strongEtag } from './etag';

/** A response as the HTTP cache stores it (short field names: it is serialized into L2 on every miss). */
export interface CachedHttpResponse {
  /** Status code. */
  readonly s: number;
  /** Stored response headers (lower-case names), `content-type` always among them. */
  readonly h: Readonly<Record<string, string>>;
  /** Body, exactly the text sent. */
  readonly b: string;
  /** Strong ETag of `b`. */
  readonly e: string;
  /** When the handler produced it (ms since the epoch). */
  readonly t: number;
}

/** Value of `X-Cache`: who answered. */
export type HttpCacheStatus = 'HIT' | 'MISS' | 'STALE';

/** What {@link toCachedResponse} needs besides the handler's value. */
export interface StoreInput {
  /** The response status the handler ended with. */
  readonly status: number;
  /** Statuses that may be stored. */
  readonly statuses: ReadonlySet<number>;
  /** Names (lower case) of the response headers stored with the body. */
  readonly storeHeaders: readonly string[];
  /** Reads a response header as the framework holds it. */
  readonly getHeader: (name: string) => unknown;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/html; charset=utf-8';

/**
 * A handler's return value as the body the framework would send (a string as is, a number or boolean as
 * text, anything else as JSON), with its stored headers and ETag; `null` when it must not be stored: a
 * status outside `statuses`, no value, a stream, or a value JSON cannot represent.
 */
export function toCachedResponse(value: unknown, input: StoreInput): CachedHttpResponse | null {
  if (!input.statuses.has(input.status) || value === undefined || value === null) return null;
  let body: string | undefined;
  let defaultType: string;
  if (typeof value === 'string') {
    body = value;
    defaultType = TEXT_TYPE;
  } else if (typeof value === 'number' || typeof value === 'boolean') {
    body = String(value);
    defaultType = TEXT_TYPE;
  } else if (typeof value === 'object') {
    if (typeof (value as { pipe?: unknown }).pipe === 'function') return null;
    try {
      body = JSON.stringify(value) as string | undefined;
    } catch {
      return null; // not serializable: the framework reports it as it would without the cache
    }
    defaultType = JSON_TYPE;
  } else {
    return null;
  }
  if (body === undefined) return null;
  const headers: Record<string, string> = {};
  for (const name of input.storeHeaders) {
    const header = input.getHeader(name);
    if (header !== undefined && header !== null)
      headers[name] = Array.isArray(header) ? header.join(', ') : String(header);
  }
  headers['content-type'] ??= defaultType;
  return { s: input.status, h: headers, b: body, e: strongEtag(body), t: Date.now() };
}

/** Whether an entry is served past its soft TTL (refreshing in the background) or past its TTL (grace). */
export function isStaleEntry(entry: CachedHttpResponse, ttl: { softMs: number; l2Ms: number }): boolean {
  const age = Date.now() - entry.t;
  return (ttl.softMs > 0 && age >= ttl.softMs) || age >= ttl.l2Ms;
}
