import { createHash } from 'node:crypto';
import type { HttpCacheRequest } from './http-cache-options';

/** Tracking parameters left out of cache keys unless `query.ignore` says otherwise. */
export const DEFAULT_IGNORED_QUERY_PARAMS: readonly (string | RegExp)[] = [
  /^utm_/i,
  'fbclid',
  'gclid',
  'msclkid',
  'mc_cid',
  'mc_eid',
  '_ga',
];

/** Longest cache key (before the namespace) kept readable; longer ones end in a hash. */
const MAX_READABLE_KEY = 512;
/** Longest vary value kept as text in the key; longer ones are hashed. */
const MAX_VARY_VALUE = 64;

/** 128 bits of SHA-256, base64url: short, and reveals nothing about the input. */
export function shortHash(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url').slice(0, 22);
}

/** Splits a request target into its path and raw query string (without `?`; fragments never reach servers). */
export function splitUrl(url: string): { path: string; query: string } {
  const mark = url.indexOf('?');
  return mark === -1 ? { path: url, query: '' } : { path: url.slice(0, mark), query: url.slice(mark + 1) };
}

/**
 * A canonical form of a query string, so requests that mean the same get the same key: parameters sorted by
 * name (a stable sort, so repeated parameters keep their order: `a=2&a=1` differs from `a=1&a=2`), empty
 * values and ignored (tracking) parameters dropped, and everything re-encoded one way (`%20` and `+` agree).
 */
export function normalizeQuery(query: string, ignore: readonly (string | RegExp)[]): string {
  if (query === '') return '';
  const names = ignore.filter((rule): rule is string => typeof rule === 'string').map((n) => n.toLowerCase());
  const patterns = ignore.filter((rule): rule is RegExp => rule instanceof RegExp);
  const kept: [string, string][] = [];
  for (const [name, value] of new URLSearchParams(query)) {
    if (name === '' || value === '') continue;
    const lower = name.toLowerCase();
    if (names.includes(lower) || patterns.some((pattern) => testFresh(pattern, name))) continue;
    kept.push([name, value]);
  }
  kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return new URLSearchParams(kept).toString();
}

/** `RegExp.test` without the `lastIndex` state a global or sticky pattern would carry between calls. */
function testFresh(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}

/** One request header's value, joined when repeated; `undefined` when absent or empty. */
export function headerValue(request: HttpCacheRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : value.join(', ');
  return text === '' ? undefined : text;
}

/**
 * The caller's identity as the default extractor sees it: `request.user`'s (or, on Fastify, `request.raw.user`'s)
 * `id`, `sub` or `userId` (else the
 * whole object), else the `Authorization` header, else the `Cookie` header. Only its hash ever reaches a key.
 */
export function defaultIdentity(request: HttpCacheRequest): string | undefined {
  // On Fastify, Nest middleware sets `user` on the Node request (`raw`), not on the one handlers see.
  const user = request.user ?? request.raw?.user;
  if (user !== undefined && user !== null && user !== false) {
    if (typeof user === 'string' || typeof user === 'number') return `user:${user}`;
    if (typeof user === 'object') {
      for (const field of ['id', 'sub', 'userId']) {
        const id = (user as Record<string, unknown>)[field];
        if (typeof id === 'string' || typeof id === 'number') return `user.${field}:${id}`;
      }
      return `user:${JSON.stringify(user)}`;
    }
  }
  const authorization = headerValue(request, 'authorization');
  if (authorization !== undefined) return `authorization:${authorization}`;
  // A session cookie identifies the caller as surely as a bearer token, even when the user is resolved in
  // the handler rather than by a guard; a route that is the same for everyone says so with `public: true`.
  const cookie = headerValue(request, 'cookie');
  return cookie === undefined ? undefined : `cookie:${cookie}`;
}

/** The parts a cache key is assembled from. */
export interface RequestKeyParts {
  /** The route's rendered key, or the request path. */
  readonly base: string;
  /** Normalized query string. */
  readonly query: string;
  /** Tenant, when the route varies by one. */
  readonly tenant?: string;
  /** `[lower-case header name, value]` of each vary header present on the request. */
  readonly headers?: readonly (readonly [string, string | undefined])[];
  /** Identity, when the key varies by user. */
  readonly identity?: string;
}

/**
 * Assembles a cache key: `<base>[?<query>][|t=<tenant>][|h.<name>=<value>…][|u=<hash>]`. Users are always
 * hashed; long tenants and header values are hashed; a key past 512 characters keeps its start and ends in
 * a hash of the whole.
 */
export function buildRequestKey(parts: RequestKeyParts): string {
  let key = parts.query === '' ? parts.base : `${parts.base}?${parts.query}`;
  if (parts.tenant !== undefined) key += `|t=${varyText(parts.tenant)}`;
  for (const [name, value] of parts.headers ?? []) {
    key += `|h.${name}=${value === undefined ? '' : varyText(value)}`;
  }
  if (parts.identity !== undefined) key += `|u=${shortHash(parts.identity)}`;
  return key.length <= MAX_READABLE_KEY ? key : `${key.slice(0, 200)}…#${shortHash(key)}`;
}

const varyText = (value: string) =>
  value.length <= MAX_VARY_VALUE ? encodeURIComponent(value) : `#${shortHash(value)}`;
