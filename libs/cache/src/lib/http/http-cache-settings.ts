import { toMs } from '../core/duration';
import { InvalidOptionError } from '../core/errors';
import { assertNamespace } from '../core/keys';
import type {
  HttpCacheEdgeOptions,
  HttpCacheOptions,
  HttpCacheTtl,
  RequestValueExtractor,
} from './http-cache-options';
import { DEFAULT_IGNORED_QUERY_PARAMS, defaultIdentity } from './request-key';
import { validateEdge, validateStatuses, validateVary } from './route-options';

/** The HTTP cache's options, checked, with every default filled in. */
export interface HttpCacheSettings {
  readonly routes: 'decorated' | 'all';
  readonly methods: ReadonlySet<string>;
  readonly statuses: readonly number[];
  readonly namespace: string;
  readonly ttl: HttpCacheTtl;
  readonly vary: NonNullable<HttpCacheOptions['vary']>;
  readonly identity: RequestValueExtractor;
  /** Lower-case headers that may identify a caller: in `Vary` of every non-public route's responses. */
  readonly identityHeaders: readonly string[];
  readonly ignore: readonly (string | RegExp)[];
  readonly storeHeaders: readonly string[];
  readonly edge: HttpCacheEdgeOptions;
  readonly statusHeaders: boolean;
}

/** Headers that identify callers unless `identityHeaders` says otherwise. */
export const DEFAULT_IDENTITY_HEADERS: readonly string[] = ['authorization', 'cookie', 'x-api-key'];

const DEFAULT_STORE_HEADERS = ['content-type', 'content-language', 'content-disposition', 'link'];

/** Validates the module's `http` options and fills in the defaults; throws {@link InvalidOptionError}. */
export function resolveHttpCacheSettings(options: HttpCacheOptions): HttpCacheSettings {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('http: expected an options object');
  }
  const routes = options.routes ?? 'decorated';
  if (routes !== 'decorated' && routes !== 'all')
    throw new InvalidOptionError("http.routes: expected 'decorated' or 'all'");
  const methods = options.methods ?? ['GET', 'HEAD'];
  if (!Array.isArray(methods) || methods.some((m) => typeof m !== 'string' || m === '')) {
    throw new InvalidOptionError('http.methods: expected an array of HTTP methods');
  }
  const upper = methods.map((m) => m.toUpperCase());
  if (upper.includes('GET') && !upper.includes('HEAD')) upper.push('HEAD');
  validateStatuses(options.statuses, 'http.statuses');
  const namespace = options.namespace ?? 'http';
  assertNamespace(namespace);
  const ttl = options.ttl ?? {};
  if (ttl === null || typeof ttl !== 'object')
    throw new InvalidOptionError('http.ttl: expected { l1, l2, l3 }');
  if (ttl.l1 !== undefined) toMs(ttl.l1, 'http.ttl.l1', true);
  if (ttl.l2 !== undefined) toMs(ttl.l2, 'http.ttl.l2');
  if (ttl.l3 !== undefined && ttl.l3 !== false) toMs(ttl.l3, 'http.ttl.l3', true);
  validateVary(options.vary, 'http.vary');
  validateEdge(options.edge, 'http.edge');
  if (options.user !== undefined && typeof options.user !== 'function') {
    throw new InvalidOptionError('http.user: expected a function of the request');
  }
  const identityHeaders = options.identityHeaders ?? DEFAULT_IDENTITY_HEADERS;
  if (
    !Array.isArray(identityHeaders) ||
    identityHeaders.some((h) => typeof h !== 'string' || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(h))
  ) {
    throw new InvalidOptionError('http.identityHeaders: expected an array of header names');
  }
  const ignore = options.query?.ignore ?? DEFAULT_IGNORED_QUERY_PARAMS;
  if (
    !Array.isArray(ignore) ||
    ignore.some((rule) => typeof rule !== 'string' && !(rule instanceof RegExp))
  ) {
    throw new InvalidOptionError('http.query.ignore: expected an array of names and regular expressions');
  }
  const storeHeaders = options.storeHeaders ?? DEFAULT_STORE_HEADERS;
  if (!Array.isArray(storeHeaders) || storeHeaders.some((h) => typeof h !== 'string' || h === '')) {
    throw new InvalidOptionError('http.storeHeaders: expected an array of header names');
  }
  const stored = storeHeaders.map((h) => h.toLowerCase());
  if (!stored.includes('content-type')) stored.push('content-type');
  return {
    routes,
    methods: new Set(upper),
    statuses: options.statuses ?? [200],
    namespace,
    ttl,
    vary: options.vary ?? { user: 'auto' },
    identity: options.user ?? defaultIdentity,
    identityHeaders: [...new Set(identityHeaders.map((h) => h.toLowerCase()))],
    ignore,
    storeHeaders: stored,
    edge: options.edge ?? {},
    statusHeaders: options.cacheStatusHeaders !== false,
  };
}
