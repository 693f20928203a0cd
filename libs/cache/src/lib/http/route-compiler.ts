import type { CacheRouteOptions, HttpCacheEdgeOptions, RequestValueExtractor } from './http-cache-options';
import type { HttpCacheSettings } from './http-cache-settings';
import type { HttpCachePlan, ResolvedRouteTtl } from './http-cache-plan';
import { headerValue } from './request-key';
import { validateRouteOptions } from './route-options';
import { compileRouteTemplate, type RouteTemplate } from './route-template';

/** A cached route's options merged over the module's, its templates compiled, with its memos. */
export interface CompiledRoute {
  readonly options: CacheRouteOptions;
  readonly key: RouteTemplate | undefined;
  readonly tags: readonly RouteTemplate[];
  readonly varyUser: boolean | 'auto';
  readonly varyHeaders: readonly string[];
  readonly tenant: RequestValueExtractor | undefined;
  readonly tenantHeader: string | undefined;
  readonly statuses: ReadonlySet<number>;
  readonly edge: HttpCacheEdgeOptions;
  /** TTLs per key namespace (`''`: none) and request TTLs (`ttlFor`), filled by the planner. */
  readonly ttlByNamespace: Map<string, ResolvedRouteTtl>;
  /** Plans per request shape, filled by the planner. */
  readonly plans: Map<string, HttpCachePlan | null>;
}

/**
 * Compiles a route's `@CacheRoute` options (`{}` for an undecorated route cached in `routes: 'all'` mode)
 * over the module's settings, once per route. `where` names the route in errors.
 */
export function compileRoute(
  options: CacheRouteOptions,
  settings: HttpCacheSettings,
  where: string,
): CompiledRoute {
  validateRouteOptions(options, where);
  const vary = { ...settings.vary, ...options.vary };
  const varyHeaders = [...new Set([...(settings.vary.headers ?? []), ...(options.vary?.headers ?? [])])].map(
    (name) => name.toLowerCase(),
  );
  const tenantSetting = vary.tenant;
  const tenantHeader = typeof tenantSetting === 'string' ? tenantSetting.toLowerCase() : undefined;
  const tenant: RequestValueExtractor | undefined =
    typeof tenantSetting === 'function'
      ? tenantSetting
      : tenantHeader !== undefined
        ? (request) => headerValue(request, tenantHeader)
        : undefined;
  return {
    options,
    key: options.key === undefined ? undefined : compileRouteTemplate(options.key, `${where}: key`),
    tags: (options.tags ?? []).map((tag, i) => compileRouteTemplate(tag, `${where}: tags[${i}]`)),
    varyUser: vary.user ?? 'auto',
    varyHeaders,
    tenant,
    tenantHeader,
    statuses: new Set(options.statuses ?? settings.statuses),
    edge: { ...settings.edge, ...options.edge },
    ttlByNamespace: new Map(),
    plans: new Map(),
  };
}
