import { toMs, type Duration } from '../core/duration';
import { InvalidOptionError } from '../core/errors';
import type { CacheRouteOptions, HttpCacheEdgeOptions, HttpCacheVary } from './http-cache-options';
import { compileRouteTemplate } from './route-template';

/** Throws {@link InvalidOptionError} naming `where` and the field when `options` cannot work. */
export function validateRouteOptions(options: CacheRouteOptions, where: string): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError(`${where}: expected an options object`);
  }
  if (options.key !== undefined) compileRouteTemplate(options.key, `${where}: key`);
  if (options.tags !== undefined) {
    if (!Array.isArray(options.tags)) throw new InvalidOptionError(`${where}: tags must be an array`);
    options.tags.forEach((tag, i) => compileRouteTemplate(tag, `${where}: tags[${i}]`));
  }
  const ttl = options.ttl;
  if (typeof ttl === 'number' || typeof ttl === 'string') {
    toMs(ttl, `${where}: ttl`);
  } else if (ttl !== undefined) {
    if (ttl === null || typeof ttl !== 'object') {
      throw new InvalidOptionError(`${where}: ttl must be a duration or { l1, l2, l3 }`);
    }
    if (ttl.l1 !== undefined) toMs(ttl.l1, `${where}: ttl.l1`, true);
    if (ttl.l2 !== undefined) toMs(ttl.l2, `${where}: ttl.l2`);
    if (ttl.l3 !== undefined && ttl.l3 !== false) toMs(ttl.l3, `${where}: ttl.l3`, true);
  }
  if (options.ttlFor !== undefined && typeof options.ttlFor !== 'function') {
    throw new InvalidOptionError(`${where}: ttlFor must be a function of the request`);
  }
  optionalDuration(options.swr, `${where}: swr`);
  optionalDuration(options.grace, `${where}: grace`);
  if (options.public !== undefined && typeof options.public !== 'boolean') {
    throw new InvalidOptionError(`${where}: public must be a boolean`);
  }
  validateVary(options.vary, `${where}: vary`);
  validateEdge(options.edge, `${where}: edge`);
  validateStatuses(options.statuses, `${where}: statuses`);
}

/** Checks a vary setting (module or route). */
export function validateVary(vary: HttpCacheVary | undefined, where: string): void {
  if (vary === undefined) return;
  if (vary === null || typeof vary !== 'object') throw new InvalidOptionError(`${where}: expected an object`);
  if (vary.user !== undefined && typeof vary.user !== 'boolean' && vary.user !== 'auto') {
    throw new InvalidOptionError(`${where}.user: expected true, false or 'auto'`);
  }
  if (vary.headers !== undefined) {
    if (
      !Array.isArray(vary.headers) ||
      vary.headers.some((h) => typeof h !== 'string' || !/^[!#$%&'*+.^`|~\w-]+$/.test(h))
    ) {
      throw new InvalidOptionError(`${where}.headers: expected an array of header names`);
    }
  }
  if (vary.tenant !== undefined && typeof vary.tenant !== 'function') {
    if (typeof vary.tenant !== 'string' || !/^[!#$%&'*+.^`|~\w-]+$/.test(vary.tenant)) {
      throw new InvalidOptionError(`${where}.tenant: expected a header name or a function`);
    }
  }
}

/** Checks edge settings (module or route). */
export function validateEdge(edge: HttpCacheEdgeOptions | undefined, where: string): void {
  if (edge === undefined) return;
  if (edge === null || typeof edge !== 'object') throw new InvalidOptionError(`${where}: expected an object`);
  optionalDuration(edge.staleWhileRevalidate, `${where}.staleWhileRevalidate`);
  optionalDuration(edge.staleIfError, `${where}.staleIfError`);
  if (edge.browserMaxAge !== undefined) toMs(edge.browserMaxAge, `${where}.browserMaxAge`, true);
}

/** Checks a list of HTTP statuses. */
export function validateStatuses(statuses: readonly number[] | undefined, where: string): void {
  if (statuses === undefined) return;
  if (!Array.isArray(statuses) || statuses.some((s) => !Number.isInteger(s) || s < 200 || s > 599)) {
    throw new InvalidOptionError(`${where}: expected an array of HTTP statuses (200-599)`);
  }
}

function optionalDuration(value: Duration | false | undefined, where: string): void {
  if (value !== undefined && value !== false) toMs(value, where, true);
}
