import { toMs, type Duration } from '../core/duration';
import { buildCacheControl } from './cache-control';
import type { HttpCachePlan, ResolvedRouteTtl } from './http-cache-plan';
import type { HttpCacheRequest, HttpCacheTtl } from './http-cache-options';
import type { HttpCacheSettings } from './http-cache-settings';
import { buildRequestKey, headerValue, normalizeQuery, splitUrl } from './request-key';
import type { CompiledRoute } from './route-compiler';
import { surrogateKeys } from './surrogate-keys';

/** The namespaces a route key may belong to, and their TTL policies (the Nest module's `CacheNamespaces`). */
export interface HttpNamespacePolicies {
  /** The namespace of a key (`bid:42` → `bid`), or `undefined`. */
  namespaceOf(key: string): string | undefined;
  /** A namespace's TTLs (`forFeature({ ttl: { l1, l2, l3 }, softTtl, grace })`), if it has any. */
  policy(
    namespace: string,
  ):
    | { readonly ttl?: unknown; readonly softTtl?: Duration | false; readonly grace?: Duration | false }
    | undefined;
}

/** What {@link planRequest} reads besides the request and its route. */
export interface PlanContext {
  readonly settings: HttpCacheSettings;
  /** Namespace TTL policies; without them a key's namespace is its text before the first `:`. */
  readonly namespaces?: HttpNamespacePolicies;
}

const DEFAULT_TTL = { l1: '10s', l2: '1m' } as const;
/** Past this many bytes of `Surrogate-Key`, the edge is not trusted to keep (and purge) the response. */
const MAX_SURROGATE_HEADER = 8000;
/** Plans remembered per route; the memo is dropped whole when full. */
const MAX_PLANS_PER_ROUTE = 5000;

/**
 * The plan for a request on a cached route, or `null` when a key or tag template has no value for it (a
 * response that could not be invalidated is not cached). Memoized per route by what it depends on (method,
 * URL, identity, tenant and vary header values), so a hot URL costs a map lookup instead of parsing,
 * hashing and header building.
 */
export function planRequest(
  request: HttpCacheRequest,
  route: CompiledRoute,
  context: PlanContext,
): HttpCachePlan | null {
  const url = request.originalUrl ?? request.url;
  const identity = context.settings.identity(request);
  const tenant = route.tenant?.(request);
  const headerValues = route.varyHeaders.map((name) => headerValue(request, name));
  const requestTtl = route.options.ttlFor?.(request);
  const requestTtlMemo = requestTtl === undefined ? '' : JSON.stringify(requestTtl);
  let memo = `${request.method}\n${url}\n${identity ?? '\u0000'}\n${tenant ?? '\u0000'}\n${requestTtlMemo}`;
  for (const value of headerValues) memo += `\n${value ?? '\u0000'}`;
  const known = route.plans.get(memo);
  if (known !== undefined) return known;
  const plan = computePlan({
    request,
    route,
    context,
    url,
    identity,
    tenant,
    headerValues,
    requestTtl: requestTtl === undefined ? undefined : { ttl: requestTtl, memo: requestTtlMemo },
  });
  if (route.plans.size >= MAX_PLANS_PER_ROUTE) route.plans.clear();
  route.plans.set(memo, plan);
  return plan;
}

/** The request's parts {@link computePlan} works from. */
interface PlanInput {
  readonly request: HttpCacheRequest;
  readonly route: CompiledRoute;
  readonly context: PlanContext;
  readonly url: string;
  readonly identity: string | undefined;
  readonly tenant: string | undefined;
  readonly headerValues: readonly (string | undefined)[];
  /** The route's `ttlFor` result for this request, and its memo key. */
  readonly requestTtl: RequestTtl | undefined;
}

/** TTLs a route's `ttlFor` chose for one request. */
interface RequestTtl {
  readonly ttl: HttpCacheTtl;
  /** Its JSON, to memoize plans and resolved TTLs by. */
  readonly memo: string;
}

function computePlan(input: PlanInput): HttpCachePlan | null {
  const { request, route, context, url, identity, tenant, headerValues, requestTtl } = input;
  const settings = context.settings;
  const routeKey = route.key?.render(request);
  if (route.key !== undefined && routeKey === undefined) return null;
  const tags: string[] = routeKey === undefined ? [] : [routeKey];
  for (const template of route.tags) {
    const tag = template.render(request);
    if (tag === undefined) return null;
    if (!tags.includes(tag)) tags.push(tag);
  }
  const { path, query } = splitUrl(url);
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const base = routeKey ?? (method === 'GET' ? path : `${method} ${path}`);

  const isPublicRoute = route.options.public === true;
  const varyUser = isPublicRoute
    ? false
    : route.varyUser === true || (route.varyUser === 'auto' && identity !== undefined);
  const isPrivate = route.options.public === false || (!isPublicRoute && identity !== undefined);
  const headers = route.varyHeaders.map((name, i) => [name, headerValues[i]] as const);
  const key = buildRequestKey({
    base,
    query: normalizeQuery(query, settings.ignore),
    tenant,
    headers,
    identity: varyUser ? (identity ?? '') : undefined,
  });

  const vary = [...route.varyHeaders];
  if (route.tenantHeader !== undefined) vary.push(route.tenantHeader);
  // Whatever may identify a caller keeps the edge from handing one caller's (or the anonymous) copy to
  // another, unless the route says its answer is the same for everyone.
  if (!isPublicRoute) vary.push(...settings.identityHeaders);
  const namespace = routeKey === undefined ? undefined : namespaceOf(routeKey, context.namespaces);
  const keys = surrogateKeys([...tags, ...(namespace === undefined ? [] : [namespace]), settings.namespace]);
  const surrogateHeader = keys.join(' ');
  const fits = surrogateHeader.length <= MAX_SURROGATE_HEADER;
  const resolved = ttlFor({ route, namespace, context, requestTtl });
  // Without every surrogate key the edge could not be purged: keep the response out of it.
  const ttl = fits ? resolved : { ...resolved, l3Ms: 0 };
  const edge = route.edge;
  const cacheControl = buildCacheControl({
    private: isPrivate,
    l3Ms: ttl.l3Ms,
    browserMaxAgeMs: optionalMs(edge.browserMaxAge) ?? 0,
    staleWhileRevalidateMs: optionalMs(edge.staleWhileRevalidate) ?? ttl.l3Ms,
    staleIfErrorMs: optionalMs(edge.staleIfError) ?? Math.max(ttl.l2Ms, ttl.l3Ms),
  });
  const distinctVary = [...new Set(vary)];
  return {
    key,
    routeKey,
    tags,
    surrogateKeys: fits ? keys : [],
    private: isPrivate,
    vary: distinctVary,
    ttl,
    statuses: route.statuses,
    edge,
    cacheControl,
    surrogateKeyHeader:
      !isPrivate && ttl.l3Ms >= 1000 && fits && keys.length > 0 ? surrogateHeader : undefined,
    varyHeader: distinctVary.length > 0 ? distinctVary.join(', ') : undefined,
  };
}

/** The namespace a route key belongs to (`bid:42` → `bid`), as the module knows namespaces. */
function namespaceOf(routeKey: string, namespaces: HttpNamespacePolicies | undefined): string | undefined {
  if (namespaces !== undefined) return namespaces.namespaceOf(routeKey);
  const colon = routeKey.indexOf(':');
  return colon > 0 ? routeKey.slice(0, colon) : undefined;
}

/**
 * TTLs layer by layer: the request's (the route's `ttlFor`), the route's, then its key's namespace's (`forFeature({ ttl: { l1, l2, l3 } })`),
 * then the module's `http.ttl`, then 10 s / 1 min / none. A single duration is an L2 TTL; L1 never
 * outlives L2. Memoized per route, namespace and request TTLs.
 */
function ttlFor(input: {
  route: CompiledRoute;
  namespace: string | undefined;
  context: PlanContext;
  requestTtl: RequestTtl | undefined;
}): ResolvedRouteTtl {
  const { route, namespace, context, requestTtl } = input;
  const memo = requestTtl === undefined ? (namespace ?? '') : `${namespace ?? ''}\n${requestTtl.memo}`;
  const known = route.ttlByNamespace.get(memo);
  if (known !== undefined) return known;
  const policy = namespace === undefined ? undefined : context.namespaces?.policy(namespace);
  const layers: LayerTtls[] = [
    asLayers(requestTtl?.ttl),
    asLayers(route.options.ttl),
    asLayers(policy?.ttl),
    asLayers(context.settings.ttl),
    DEFAULT_TTL,
  ];
  const pick = (layer: keyof LayerTtls) => layers.find((l) => l[layer] !== undefined)?.[layer];
  const l2Ms = toMs(pick('l2') as Duration, 'ttl.l2');
  const l1Ms = Math.min(toMs(pick('l1') as Duration, 'ttl.l1', true), l2Ms);
  const l3 = pick('l3');
  const swr = route.options.swr ?? policy?.softTtl;
  const grace = route.options.grace ?? policy?.grace;
  const ttl: ResolvedRouteTtl = {
    l1Ms,
    l2Ms,
    l3Ms: l3 === undefined || l3 === false ? 0 : toMs(l3, 'ttl.l3', true),
    softMs: swr === undefined || swr === false ? 0 : toMs(swr, 'swr', true),
    graceMs: grace === undefined || grace === false ? 0 : toMs(grace, 'grace', true),
  };
  if (route.ttlByNamespace.size >= MAX_PLANS_PER_ROUTE) route.ttlByNamespace.clear();
  route.ttlByNamespace.set(memo, ttl);
  return ttl;
}

/** TTLs per layer as options give them. */
interface LayerTtls {
  readonly l1?: Duration;
  readonly l2?: Duration;
  readonly l3?: Duration | false;
}

/** A TTL option as `{ l1, l2, l3 }` (a single duration is the L2 TTL). */
function asLayers(ttl: unknown): LayerTtls {
  if (ttl === undefined || ttl === null) return {};
  if (typeof ttl === 'number' || typeof ttl === 'string') return { l2: ttl as Duration };
  return ttl as LayerTtls;
}

const optionalMs = (value: Duration | false | undefined): number | undefined =>
  value === undefined ? undefined : value === false ? 0 : toMs(value, 'edge', true);
