import {
  Inject,
  Injectable,
  Logger,
  Optional,
  StreamableFile,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import {
  REDIRECT_METADATA,
  RENDER_METADATA,
  RESPONSE_PASSTHROUGH_METADATA,
  ROUTE_ARGS_METADATA,
  SSE_METADATA,
} from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import { defer, isObservable, lastValueFrom, type Observable } from 'rxjs';
import type { LoaderContext } from '../../cache/cache.types';
import type { TieredCache } from '../../cache/create-cache';
import { toMs, type Duration } from '../../core/duration';
import { CacheErrorCode, InvalidOptionError } from '../../core/errors';
import { assertNamespace } from '../../core/keys';
import { CACHE_INSTANCE, CACHE_METADATA, HTTP_CACHE_OPTIONS } from '../cache.constants';
import { CacheNamespaces } from '../cache-namespaces';
import { surrogateKeys } from '../edge/surrogate-keys';
import type {
  CacheRouteOptions,
  HttpCacheEdgeOptions,
  HttpCacheOptions,
  HttpCacheRequest,
  HttpCacheTtl,
  RequestValueExtractor,
} from '../interfaces/http-cache-options.interface';
import { buildCacheControl } from './cache-control';
import { validateEdge, validateRouteOptions, validateStatuses, validateVary } from './cache-route.decorator';
import { etagMatches, strongEtag } from './etag';
import {
  buildRequestKey,
  DEFAULT_IGNORED_QUERY_PARAMS,
  defaultIdentity,
  headerValue,
  normalizeQuery,
  splitUrl,
} from './request-key';
import { compileRouteTemplate, type RouteTemplate } from './route-template';

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

/** Everything the interceptor decided about one request. */
export interface HttpCachePlan {
  /** The cache key (without the HTTP namespace). */
  readonly key: string;
  /** The route's rendered `key`, if it has one (also a tag and a surrogate key). */
  readonly routeKey: string | undefined;
  /** Tags of the stored entry (rendered route key and tags). */
  readonly tags: readonly string[];
  /** Surrogate keys for the edge. */
  readonly surrogateKeys: readonly string[];
  /** Whether the response is private (authenticated, or the route says so). */
  readonly private: boolean;
  /** Request headers the response varies by (the `Vary` header). */
  readonly vary: readonly string[];
  /** TTLs and policy in ms. */
  readonly ttl: ResolvedRouteTtl;
  /** Statuses that are stored. */
  readonly statuses: ReadonlySet<number>;
  /** Edge settings. */
  readonly edge: HttpCacheEdgeOptions;
  /** The `Cache-Control` header. */
  readonly cacheControl: string;
  /** The `Surrogate-Key` header, on public responses the edge may keep. */
  readonly surrogateKeyHeader: string | undefined;
  /** The `Vary` header. */
  readonly varyHeader: string | undefined;
}

/** A route's TTLs in milliseconds. */
export interface ResolvedRouteTtl {
  readonly l1Ms: number;
  readonly l2Ms: number;
  readonly l3Ms: number;
  readonly softMs: number;
  readonly graceMs: number;
}

interface CompiledRoute {
  readonly options: CacheRouteOptions;
  readonly key: RouteTemplate | undefined;
  readonly tags: readonly RouteTemplate[];
  readonly varyUser: boolean | 'auto';
  readonly varyHeaders: readonly string[];
  readonly tenant: RequestValueExtractor | undefined;
  readonly tenantHeader: string | undefined;
  readonly statuses: ReadonlySet<number>;
  readonly edge: HttpCacheEdgeOptions;
  readonly ttlByNamespace: Map<string, ResolvedRouteTtl>;
  readonly plans: Map<string, HttpCachePlan | null>;
}

interface Settings {
  readonly routes: 'decorated' | 'all';
  readonly methods: ReadonlySet<string>;
  readonly statuses: readonly number[];
  readonly namespace: string;
  readonly ttl: HttpCacheTtl;
  readonly vary: NonNullable<HttpCacheOptions['vary']>;
  readonly identity: RequestValueExtractor;
  readonly ignore: readonly (string | RegExp)[];
  readonly storeHeaders: readonly string[];
  readonly edge: HttpCacheEdgeOptions;
  readonly statusHeaders: boolean;
}

/** Minimal response surface shared by Express and Fastify replies. */
interface HttpResponseLike {
  statusCode: number;
  status?(code: number): unknown;
  code?(code: number): unknown;
  setHeader?(name: string, value: string): unknown;
  header?(name: string, value: string): unknown;
  getHeader?(name: string): unknown;
}

const DEFAULT_TTL = { l1: '10s', l2: '1m' } as const;
const DEFAULT_STORE_HEADERS = ['content-type', 'content-language', 'content-disposition', 'link'];
const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/html; charset=utf-8';
/** Past this many bytes of `Surrogate-Key`, the edge is not trusted to keep (and purge) the response. */
const MAX_SURROGATE_HEADER = 8000;
const NOT_CACHEABLE = null;
/** Plans remembered per route (see `buildPlan`); the memo is dropped whole when full. */
const MAX_PLANS_PER_ROUTE = 5000;

/**
 * Caches GET/HEAD responses in the tiered cache and tells the L3 edge how to cache them.
 *
 * - One handler run per key, however many requests miss at once, in this process and across processes
 *   (the engine's `getOrSet` with its Redis lease); only statuses in `statuses` (default 200) are stored,
 *   never a handler error, a stream, a `StreamableFile` or a raw `@Res()` response.
 * - Keys: the route's `key` template (or the path), the normalized query, the tenant, vary headers and —
 *   whenever the request carries an identity (by default) — a hash of the user: one caller's response is
 *   never served to another.
 * - Headers: `X-Cache: HIT|MISS|STALE` plus `X-Cache-Layer: l1|l2` on hits (Varnish adds `edge`), a strong
 *   `ETag` (and `304 Not Modified` on a matching `If-None-Match`, without running the handler on a hit),
 *   `Cache-Control` from the route's L3 TTL (`private, no-cache` when authenticated), `Surrogate-Key`
 *   (route key, tags, namespaces) on public responses, and `Vary`.
 * - A cache failure never fails the request: it is logged and the handler answers.
 *
 * Use it globally (`{ provide: APP_INTERCEPTOR, useClass: HttpCacheInterceptor }`) or per controller
 * (`@UseInterceptors(HttpCacheInterceptor)`); subclasses may override {@link trackBy} and
 * {@link isRequestCacheable}, the hooks `@nestjs/cache-manager` users know.
 */
@Injectable()
export class HttpCacheInterceptor implements NestInterceptor {
  /** Where cache failures are reported. */
  protected readonly logger = new Logger('HttpCache');
  private readonly settings: Settings;
  private readonly routes = new WeakMap<object, CompiledRoute | null>();
  private readonly plans = new WeakMap<object, HttpCachePlan | null>();
  private readonly responseHandled = new WeakMap<object, boolean>();
  /** Responses already served once by this process: a later hit on the same object came from L1. */
  private readonly seen = new WeakSet<object>();

  constructor(
    @Inject(CACHE_INSTANCE) protected readonly cache: TieredCache,
    protected readonly reflector: Reflector,
    @Optional() @Inject(HTTP_CACHE_OPTIONS) options?: HttpCacheOptions | null,
    @Optional() private readonly namespaces?: CacheNamespaces,
  ) {
    this.settings = resolveSettings(options ?? {});
  }

  /** @inheritdoc */
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    let key: string | undefined;
    let plan: HttpCachePlan | null;
    try {
      if (!this.isRequestCacheable(context)) return next.handle();
      plan = this.plan(context);
      key = plan === null ? undefined : this.trackBy(context);
    } catch (error) {
      this.report('could not build the cache key; the handler answers', error);
      return next.handle();
    }
    if (plan === null || key === undefined) return next.handle();
    const ready = plan;
    const cacheKey = key;
    return defer(() => this.respond(context, next, ready, cacheKey));
  }

  /**
   * The cache key of the request (without the HTTP namespace), or `undefined` to not cache it. Default:
   * the route's key (or the path), the normalized query and the vary parts; see {@link HttpCachePlan.key}.
   */
  protected trackBy(context: ExecutionContext): string | undefined {
    return this.plan(context)?.key;
  }

  /**
   * Whether the request may be served from (and stored in) the cache: an HTTP request with a cached method
   * (GET/HEAD), on a route that is cached (`@CacheRoute`, or every route in `routes: 'all'` mode) and not
   * `@NoCache`, that sends its own response through Nest (no raw `@Res()`, SSE, render or redirect).
   */
  protected isRequestCacheable(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<HttpCacheRequest>();
    if (!this.settings.methods.has(request.method)) return false;
    return this.route(context) !== null;
  }

  // ------------------------------------------------------------------ serving

  private async respond(
    context: ExecutionContext,
    next: CallHandler,
    plan: HttpCachePlan,
    key: string,
  ): Promise<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<HttpCacheRequest>();
    const response = http.getResponse<HttpResponseLike>();
    const run: {
      ran: boolean;
      handled?: Promise<unknown>;
      raw?: unknown;
      stored?: CachedHttpResponse | null;
    } = {
      ran: false,
    };
    // The status Nest set before the interceptors run (200, or the route's @HttpCode).
    const initialStatus = response.statusCode;
    const loader = async (ctx: LoaderContext<unknown>): Promise<CachedHttpResponse | undefined> => {
      // The engine also calls the loader to refresh a still-fresh entry in the background (stale-while-
      // revalidate) while this request is answered with that entry: such a run is not this request's miss,
      // and must not read this request's response, which may be a 304 by then.
      const stale = ctx.stale as CachedHttpResponse | undefined;
      const background = stale !== undefined && Date.now() < stale.t + plan.ttl.l2Ms;
      if (!background) run.ran = true;
      const handled = lastValueFrom(next.handle(), { defaultValue: undefined });
      if (!background) run.handled = handled;
      const value = await handled;
      const stored = this.toStored(value, background ? initialStatus : response.statusCode, response, plan);
      if (!background) {
        run.raw = value;
        run.stored = stored;
      }
      if (stored === NOT_CACHEABLE) return undefined;
      this.seen.add(stored);
      return stored;
    };

    let entry: CachedHttpResponse | undefined;
    try {
      entry = (await this.cache.getOrSet(`${this.settings.namespace}:${key}`, loader, {
        ttl: { l1: plan.ttl.l1Ms, l2: plan.ttl.l2Ms },
        tags: plan.tags.length > 0 ? plan.tags : undefined,
        softTtl: plan.ttl.softMs > 0 ? plan.ttl.softMs : false,
        grace: plan.ttl.graceMs > 0 ? plan.ttl.graceMs : false,
      })) as CachedHttpResponse | undefined;
    } catch (error) {
      const code = (error as { code?: string }).code;
      // The handler failed (here, or in the request this one was coalesced with): its error is the answer.
      if (code === CacheErrorCode.LoaderFailed) throw (error as Error).cause;
      this.report(
        `cache failed for ${request.method} ${request.originalUrl ?? request.url}; the handler answers`,
        error,
      );
      if (!run.ran) return lastValueFrom(next.handle(), { defaultValue: undefined });
      // The engine gave up (e.g. a hard loader timeout) while this request's handler still runs: its result,
      // or its error, is the answer, never an empty body.
      if (run.stored === undefined) return run.handled;
      if (run.stored === NOT_CACHEABLE) return run.raw;
      entry = run.stored;
    }

    if (entry === undefined) {
      // Not cacheable: this request's own result, or (coalesced with one that was not) its own handler's.
      return run.ran ? run.raw : lastValueFrom(next.handle(), { defaultValue: undefined });
    }
    // This request's handler answered (MISS); or it failed and the engine served the last value instead.
    const status: HttpCacheStatus =
      entry === run.stored ? 'MISS' : run.ran || this.isStale(entry, plan) ? 'STALE' : 'HIT';
    return this.send(request, response, plan, entry, status);
  }

  /** Writes the headers of a cached (or just stored) response and returns its body, or a 304. */
  private send(
    request: HttpCacheRequest,
    response: HttpResponseLike,
    plan: HttpCachePlan,
    entry: CachedHttpResponse,
    status: HttpCacheStatus,
  ): unknown {
    for (const [name, value] of Object.entries(entry.h)) setHeader(response, name, value);
    setHeader(response, 'ETag', entry.e);
    setHeader(response, 'Cache-Control', plan.cacheControl);
    if (plan.surrogateKeyHeader !== undefined) setHeader(response, 'Surrogate-Key', plan.surrogateKeyHeader);
    if (plan.varyHeader !== undefined) {
      const existing = response.getHeader?.('vary');
      setHeader(response, 'Vary', existing === undefined ? plan.varyHeader : mergeVary(existing, plan.vary));
    }
    if (this.settings.statusHeaders) {
      setHeader(response, 'X-Cache', status);
      if (status !== 'MISS') setHeader(response, 'X-Cache-Layer', this.layerOf(entry));
    }
    if (etagMatches(request.headers['if-none-match'], entry.e)) {
      setStatus(response, 304);
      return undefined;
    }
    if (response.statusCode !== entry.s) setStatus(response, entry.s);
    return entry.b;
  }

  /** Served past its soft TTL (refreshing in the background) or past its TTL (grace). */
  private isStale(entry: CachedHttpResponse, plan: HttpCachePlan): boolean {
    const age = Date.now() - entry.t;
    return (plan.ttl.softMs > 0 && age >= plan.ttl.softMs) || age >= plan.ttl.l2Ms;
  }

  /**
   * L1 hands out the very object it stores, while an L2 read decodes a new one: an object this process has
   * not served before came from L2.
   */
  private layerOf(entry: CachedHttpResponse): 'l1' | 'l2' {
    if (this.seen.has(entry)) return 'l1';
    this.seen.add(entry);
    return 'l2';
  }

  /** The handler's result as a stored response, or {@link NOT_CACHEABLE}. */
  private toStored(
    value: unknown,
    status: number,
    response: HttpResponseLike,
    plan: HttpCachePlan,
  ): CachedHttpResponse | typeof NOT_CACHEABLE {
    if (!plan.statuses.has(status) || value === undefined || value === null) return NOT_CACHEABLE;
    let body: string | undefined;
    let defaultType: string;
    if (typeof value === 'string') {
      body = value;
      defaultType = TEXT_TYPE;
    } else if (typeof value === 'number' || typeof value === 'boolean') {
      body = String(value);
      defaultType = TEXT_TYPE;
    } else if (typeof value === 'object') {
      if (
        value instanceof StreamableFile ||
        isObservable(value) ||
        typeof (value as { pipe?: unknown }).pipe === 'function'
      ) {
        return NOT_CACHEABLE;
      }
      try {
        body = JSON.stringify(value) as string | undefined;
      } catch {
        return NOT_CACHEABLE; // not serializable: Nest reports it as it would without the cache
      }
      defaultType = JSON_TYPE;
    } else {
      return NOT_CACHEABLE;
    }
    if (body === undefined) return NOT_CACHEABLE;
    const headers: Record<string, string> = {};
    for (const name of this.settings.storeHeaders) {
      const header = response.getHeader?.(name);
      if (header !== undefined && header !== null)
        headers[name] = Array.isArray(header) ? header.join(', ') : String(header);
    }
    headers['content-type'] ??= defaultType;
    return { s: status, h: headers, b: body, e: strongEtag(body), t: Date.now() };
  }

  // ------------------------------------------------------------------ planning

  /** What this interceptor decided for the request (memoized per request), or `null` to not cache it. */
  protected plan(context: ExecutionContext): HttpCachePlan | null {
    const request = context.switchToHttp().getRequest<HttpCacheRequest>();
    const known = this.plans.get(request);
    if (known !== undefined) return known;
    const route = this.route(context);
    const plan = route === null ? null : this.buildPlan(request, route);
    this.plans.set(request, plan);
    return plan;
  }

  /**
   * The plan for a request, memoized per route by what it depends on (method, URL, identity, tenant and vary
   * header values), so a hot URL costs a map lookup instead of parsing, hashing and header building.
   */
  private buildPlan(request: HttpCacheRequest, route: CompiledRoute): HttpCachePlan | null {
    const url = request.originalUrl ?? request.url;
    const identity = this.settings.identity(request);
    const tenant = route.tenant?.(request);
    const headerValues = route.varyHeaders.map((name) => headerValue(request, name));
    let memo = `${request.method}\n${url}\n${identity ?? '\u0000'}\n${tenant ?? '\u0000'}`;
    for (const value of headerValues) memo += `\n${value ?? '\u0000'}`;
    const known = route.plans.get(memo);
    if (known !== undefined) return known;
    const plan = this.computePlan(request, route, url, identity, tenant, headerValues);
    if (route.plans.size >= MAX_PLANS_PER_ROUTE) route.plans.clear();
    route.plans.set(memo, plan);
    return plan;
  }

  private computePlan(
    request: HttpCacheRequest,
    route: CompiledRoute,
    url: string,
    identity: string | undefined,
    tenant: string | undefined,
    headerValues: readonly (string | undefined)[],
  ): HttpCachePlan | null {
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
      query: normalizeQuery(query, this.settings.ignore),
      tenant,
      headers,
      identity: varyUser ? (identity ?? '') : undefined,
    });

    const vary = [...route.varyHeaders];
    if (route.tenantHeader !== undefined) vary.push(route.tenantHeader);
    if (route.varyUser !== false && !isPublicRoute) vary.push('authorization', 'cookie');
    const namespace = routeKey === undefined ? undefined : this.namespaceOf(routeKey);
    const keys = surrogateKeys([
      ...tags,
      ...(namespace === undefined ? [] : [namespace]),
      this.settings.namespace,
    ]);
    const surrogateHeader = keys.join(' ');
    const fits = surrogateHeader.length <= MAX_SURROGATE_HEADER;
    const resolved = this.ttlFor(route, namespace);
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

  /** The route's compiled settings, or `null` when it is not cached (memoized per handler). */
  private route(context: ExecutionContext): CompiledRoute | null {
    const handler = context.getHandler();
    const known = this.routes.get(handler);
    if (known !== undefined) return known;
    const compiled = this.compileRoute(context);
    this.routes.set(handler, compiled);
    return compiled;
  }

  private compileRoute(context: ExecutionContext): CompiledRoute | null {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(CACHE_METADATA.noCache, targets)) return null;
    const declared = this.reflector.getAllAndOverride<CacheRouteOptions | undefined>(
      CACHE_METADATA.route,
      targets,
    );
    if (declared === undefined && this.settings.routes === 'decorated') return null;
    if (!this.sendsThroughNest(context)) return null;
    const options = declared ?? {};
    const where = `@CacheRoute on ${context.getClass().name}.${context.getHandler().name}`;
    validateRouteOptions(options, where);
    const vary = { ...this.settings.vary, ...options.vary };
    const varyHeaders = [
      ...new Set([...(this.settings.vary.headers ?? []), ...(options.vary?.headers ?? [])]),
    ].map((name) => name.toLowerCase());
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
      statuses: new Set(options.statuses ?? this.settings.statuses),
      edge: { ...this.settings.edge, ...options.edge },
      ttlByNamespace: new Map(),
      plans: new Map(),
    };
  }

  /** Whether Nest sends the handler's return value (not a raw `@Res()`, SSE, template or redirect). */
  private sendsThroughNest(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    const known = this.responseHandled.get(handler);
    if (known !== undefined) return !known;
    const controller = context.getClass();
    const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {}) as Record<
      string,
      unknown
    >;
    const usesRaw = Object.keys(args).some((key) => {
      const type = Number(key.split(':')[0]);
      return type === RouteParamtypes.RESPONSE || type === RouteParamtypes.NEXT;
    });
    const passthrough = Reflect.getMetadata(RESPONSE_PASSTHROUGH_METADATA, controller, handler.name) === true;
    const special = [SSE_METADATA, RENDER_METADATA, REDIRECT_METADATA].some(
      (key) => Reflect.getMetadata(key, handler) !== undefined,
    );
    const handled = special || (usesRaw && !passthrough);
    this.responseHandled.set(handler, handled);
    return !handled;
  }

  /** The namespace a route key belongs to (`bid:42` → `bid`), as the module knows namespaces. */
  private namespaceOf(routeKey: string): string | undefined {
    if (this.namespaces !== undefined) return this.namespaces.namespaceOf(routeKey);
    const colon = routeKey.indexOf(':');
    return colon > 0 ? routeKey.slice(0, colon) : undefined;
  }

  /**
   * TTLs layer by layer: the route's, then its key's namespace's (`forFeature({ ttl: { l1, l2, l3 } })`),
   * then the module's `http.ttl`, then 10 s / 1 min / none. A single duration is an L2 TTL; L1 never
   * outlives L2.
   */
  private ttlFor(route: CompiledRoute, namespace: string | undefined): ResolvedRouteTtl {
    const known = route.ttlByNamespace.get(namespace ?? '');
    if (known !== undefined) return known;
    const policy = namespace === undefined ? undefined : this.namespaces?.policy(namespace);
    const layers: LayerTtls[] = [
      asLayers(route.options.ttl),
      asLayers(policy?.ttl),
      asLayers(this.settings.ttl),
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
    route.ttlByNamespace.set(namespace ?? '', ttl);
    return ttl;
  }

  private report(message: string, error: unknown): void {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.logger.warn(`${message} (${detail})`);
  }
}

/** Validates the module's `http` options and fills in the defaults. */
function resolveSettings(options: HttpCacheOptions): Settings {
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
    ignore,
    storeHeaders: stored,
    edge: options.edge ?? {},
    statusHeaders: options.cacheStatusHeaders !== false,
  };
}

/** A TTL option as `{ l1, l2, l3 }` (a single duration is the L2 TTL). */
function asLayers(ttl: unknown): LayerTtls {
  if (ttl === undefined || ttl === null) return {};
  if (typeof ttl === 'number' || typeof ttl === 'string') return { l2: ttl as Duration };
  return ttl as LayerTtls;
}

/** TTLs per layer as options give them. */
interface LayerTtls {
  readonly l1?: Duration;
  readonly l2?: Duration;
  readonly l3?: Duration | false;
}

const optionalMs = (value: Duration | false | undefined): number | undefined =>
  value === undefined ? undefined : value === false ? 0 : toMs(value, 'edge', true);

function mergeVary(existing: unknown, names: readonly string[]): string {
  const current =
    typeof existing === 'string' && existing !== '' ? existing.split(',').map((s) => s.trim()) : [];
  const lower = new Set(current.map((name) => name.toLowerCase()));
  return [...current, ...names.filter((name) => !lower.has(name))].join(', ');
}

function setHeader(response: HttpResponseLike, name: string, value: string): void {
  if (typeof response.setHeader === 'function') response.setHeader(name, value);
  else response.header?.(name, value);
}

function setStatus(response: HttpResponseLike, code: number): void {
  if (typeof response.status === 'function') response.status(code);
  else if (typeof response.code === 'function') response.code(code);
  else response.statusCode = code;
}
