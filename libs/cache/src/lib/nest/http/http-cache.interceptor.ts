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
import { Reflector } from '@nestjs/core';
import { defer, isObservable, lastValueFrom, of, type Observable } from 'rxjs';
import type { LoaderContext } from '../../cache/cache.types';
import type { TieredCache } from '../../cache/create-cache';
import { CacheErrorCode } from '../../core/errors';
import {
  isStaleEntry,
  toCachedResponse,
  type CachedHttpResponse,
  type HttpCacheStatus,
} from '../../http/cached-response';
import type { HttpCacheOptions, HttpCacheRequest } from '../../http/http-cache-options';
import { resolveHttpCacheSettings, type HttpCacheSettings } from '../../http/http-cache-settings';
import type { HttpCachePlan } from '../../http/http-cache-plan';
import { planRequest, type PlanContext } from '../../http/request-planner';
import { writeCachedAnswer, type HttpResponseLike } from '../../http/responder';
import { compileRoute, type CompiledRoute } from '../../http/route-compiler';
import { CACHE_INSTANCE, HTTP_CACHE_OPTIONS } from '../cache.constants';
import { CacheNamespaces } from '../cache-namespaces';
import { HttpCacheFastPath, type EarlyAnswering, type EarlyResponder } from './http-cache.fast-path';
import { readRouteDeclaration } from './route-metadata';

/** What one request's own handler run left behind, for the answer after `getOrSet`. */
interface HandlerRun {
  ran: boolean;
  handled?: Promise<unknown>;
  raw?: unknown;
  /** The stored form of this request's result; `null`: not cacheable. */
  stored?: CachedHttpResponse | null;
}

/** A request as {@link HttpCacheInterceptor} memoizes its plan on it (one symbol per interceptor). */
type PlanSlots = Record<symbol, HttpCachePlan | null | undefined>;

/**
 * Caches GET/HEAD responses in the tiered cache and tells the L3 edge how to cache them. This class is the
 * Nest shell: it reads route metadata and runs the handler; what is cached, under which key and with which
 * headers is decided by the framework-free code in `lib/http` (route compiler, request planner, responder).
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
 * - Express and Fastify alike.
 *
 * Use it globally (`{ provide: APP_INTERCEPTOR, useClass: HttpCacheInterceptor }`) or per controller
 * (`@UseInterceptors(HttpCacheInterceptor)`); subclasses may override {@link trackBy} and
 * {@link isRequestCacheable}, the hooks `@nestjs/cache-manager` users know.
 */
@Injectable()
export class HttpCacheInterceptor implements NestInterceptor, EarlyAnswering {
  /** Where cache failures are reported. */
  protected readonly logger = new Logger('HttpCache');
  private readonly settings: HttpCacheSettings;
  private readonly planContext: PlanContext;
  private readonly routes = new WeakMap<object, CompiledRoute | null>();
  /**
   * Where this interceptor keeps its plan on the request (a property of its own, not a WeakMap entry: a
   * WeakMap entry per request cost about 0.3 µs, a property about 0.03 µs).
   */
  private readonly planSlot = Symbol('HttpCacheInterceptor.plan');
  /** Full cache keys of memoized plans (see {@link fullKey}). */
  private readonly fullKeys = new WeakMap<HttpCachePlan, string>();
  /** Responses already served once by this process: a later hit on the same object came from L1. */
  private readonly seen = new WeakSet<object>();
  /** Handlers already reported for identifying callers by something the edge cannot see. */
  private readonly blindEdgeReported = new WeakSet<object>();

  constructor(
    @Inject(CACHE_INSTANCE) protected readonly cache: TieredCache,
    protected readonly reflector: Reflector,
    @Optional() @Inject(HTTP_CACHE_OPTIONS) options?: HttpCacheOptions | null,
    @Optional() namespaces?: CacheNamespaces,
    @Optional() private readonly fastPath?: HttpCacheFastPath,
  ) {
    this.settings = resolveHttpCacheSettings(options ?? {});
    this.planContext = { settings: this.settings, namespaces };
  }

  /** @inheritdoc */
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    let key: string | undefined;
    let plan: HttpCachePlan | null;
    try {
      if (!this.isRequestCacheable(context)) return next.handle();
      if (this.fastPath?.installed === true) this.fastPath.learn(context, this);
      plan = this.plan(context);
      key = plan === null ? undefined : this.trackBy(context);
    } catch (error) {
      this.report('could not build the cache key; the handler answers', error);
      return next.handle();
    }
    if (plan === null || key === undefined) return next.handle();
    const fullKey = this.fullKey(plan, key);
    const hit = this.freshL1Entry(fullKey, plan);
    if (hit !== undefined) {
      // The hot path: a fresh entry in this process. Answered now, without the promise chain of `getOrSet`
      // (and its loader closure) that a miss needs.
      const http = context.switchToHttp();
      return of(
        writeCachedAnswer(http.getRequest<HttpCacheRequest>(), http.getResponse<HttpResponseLike>(), {
          plan,
          entry: hit,
          status: 'HIT',
          layer: 'l1',
          statusHeaders: this.settings.statusHeaders,
        }),
      );
    }
    const ready = plan;
    return defer(() => this.respond(context, next, ready, fullKey));
  }

  /**
   * Whether this interceptor leaves the route alone (it does not cache it), so {@link HttpCacheFastPath} may
   * answer the route early past it (a `@CacheEntryRoute` under a global `HttpCacheInterceptor`).
   */
  passesThrough(context: ExecutionContext): boolean {
    return this.route(context) === null;
  }

  /**
   * How {@link HttpCacheFastPath} answers the route's fresh L1 hits before Nest's router, or `null` when it
   * must not: a subclass that overrides a hook (which needs Nest's context), an uncached route, or a route
   * whose key or privacy depends on the caller (the guards, which identify callers, run after the lookup).
   */
  earlyResponder(context: ExecutionContext): EarlyResponder | null {
    const base = HttpCacheInterceptor.prototype;
    if (this.trackBy !== base.trackBy || this.isRequestCacheable !== base.isRequestCacheable) return null;
    if (this.plan !== base.plan) return null;
    const route = this.route(context);
    if (route === null) return null;
    const sameForEveryCaller =
      route.options.public === true || (route.options.public === false && route.varyUser === false);
    if (!sameForEveryCaller) return null;
    return {
      lookup: (request) => {
        if (!this.cache.enabled || !this.settings.methods.has(request.method)) return undefined;
        const plan = planRequest(request, route, this.planContext);
        if (plan === null) return undefined;
        const entry = this.freshL1Entry(this.fullKey(plan, plan.key), plan);
        return entry === undefined ? undefined : { plan, entry };
      },
      answer: (request, reply, hit) =>
        writeCachedAnswer(request, reply, {
          plan: hit.plan,
          entry: hit.entry,
          status: 'HIT',
          layer: 'l1',
          statusHeaders: this.settings.statusHeaders,
        }),
    };
  }

  /**
   * The full cache key of a request (`<namespace>:<key>`), kept with its plan when the key is the plan's own:
   * a string built per request would make L1 hash it again on every lookup.
   */
  private fullKey(plan: HttpCachePlan, key: string): string {
    if (key !== plan.key) return `${this.settings.namespace}:${key}`;
    let full = this.fullKeys.get(plan);
    if (full === undefined) {
      full = `${this.settings.namespace}:${key}`;
      this.fullKeys.set(plan, full);
    }
    return full;
  }

  /**
   * The entry L1 holds for the key while it is fresh (not past its soft TTL: a stale entry goes through
   * `getOrSet`, which refreshes it), or `undefined`. `peek` honours TTLs, evictions, invalidations from other
   * instances and bus liveness exactly as `getOrSet`'s L1 read does; a failing read is a miss.
   */
  private freshL1Entry(fullKey: string, plan: HttpCachePlan): CachedHttpResponse | undefined {
    let entry: CachedHttpResponse | undefined;
    try {
      entry = this.cache.peekBeforeLoad(fullKey) as CachedHttpResponse | undefined;
    } catch {
      return undefined;
    }
    if (entry === undefined || isStaleEntry(entry, plan.ttl)) return undefined;
    this.seen.add(entry);
    return entry;
  }

  /**
   * The cache key of the request (without the HTTP namespace), or `undefined` to not cache it. Default:
   * the route's key (or the path), the normalized query and the vary parts; see {@link HttpCachePlan.key}.
   */
  protected trackBy(context: ExecutionContext): string | undefined {
    return this.plan(context)?.key;
  }

  /**
   * Whether the request may be served from (and stored in) the cache: the cache is on, an HTTP request with a cached method
   * (GET/HEAD), on a route that is cached (`@CacheRoute`, or every route in `routes: 'all'` mode) and not
   * `@NoCache`, that sends its own response through Nest (no raw `@Res()`, SSE, render or redirect).
   */
  protected isRequestCacheable(context: ExecutionContext): boolean {
    // Cache off: the handler answers with the app's default headers (no X-Cache, no edge headers).
    if (!this.cache.enabled) return false;
    const request = context.switchToHttp().getRequest<HttpCacheRequest>();
    if (!this.settings.methods.has(request.method)) return false;
    return this.route(context) !== null;
  }

  /** What this interceptor decided for the request (memoized per request), or `null` to not cache it. */
  protected plan(context: ExecutionContext): HttpCachePlan | null {
    const request = context.switchToHttp().getRequest<HttpCacheRequest & PlanSlots>();
    const known = request[this.planSlot];
    if (known !== undefined) return known;
    const route = this.route(context);
    const plan = route === null ? null : planRequest(request, route, this.planContext);
    request[this.planSlot] = plan;
    if (plan !== null && route?.options.public !== true) this.reportBlindEdge(context, request);
    return plan;
  }

  /**
   * Logs (once per route) a request the app identified (`request.user`) without any of `identityHeaders`:
   * the edge varies only on those headers, so it cannot tell such a caller from an anonymous one and may
   * answer it with the anonymous copy. The fix is to name the header in `http.identityHeaders`.
   */
  private reportBlindEdge(context: ExecutionContext, request: HttpCacheRequest): void {
    const handler = context.getHandler();
    if (this.blindEdgeReported.has(handler) || this.settings.identity(request) === undefined) return;
    if (this.settings.identityHeaders.some((name) => request.headers[name] !== undefined)) return;
    this.blindEdgeReported.add(handler);
    this.logger.warn(
      `${context.getClass().name}.${handler.name}: a request was identified without any of the identity headers ` +
        `(${this.settings.identityHeaders.join(', ')}); a shared edge may serve such callers the anonymous copy. ` +
        "Add the header that identifies them to the cache module's http.identityHeaders.",
    );
  }

  /** The route's compiled settings, or `null` when it is not cached (memoized per handler). */
  private route(context: ExecutionContext): CompiledRoute | null {
    const handler = context.getHandler();
    const known = this.routes.get(handler);
    if (known !== undefined) return known;
    const declared = readRouteDeclaration(this.reflector, context);
    const compiled =
      declared === null || (declared === undefined && this.settings.routes === 'decorated')
        ? null
        : compileRoute(
            declared ?? {},
            this.settings,
            `@CacheRoute on ${context.getClass().name}.${handler.name}`,
          );
    this.routes.set(handler, compiled);
    return compiled;
  }

  private async respond(
    context: ExecutionContext,
    next: CallHandler,
    plan: HttpCachePlan,
    fullKey: string,
  ): Promise<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<HttpCacheRequest>();
    const response = http.getResponse<HttpResponseLike>();
    const run: HandlerRun = { ran: false };
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
      if (stored === null) return undefined;
      this.seen.add(stored);
      return stored;
    };

    let entry: CachedHttpResponse | undefined;
    try {
      entry = (await this.cache.getOrSet(fullKey, loader, {
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
      if (run.stored === null) return run.raw;
      entry = run.stored;
    }

    if (entry === undefined) {
      // Not cacheable: this request's own result, or (coalesced with one that was not) its own handler's.
      return run.ran ? run.raw : lastValueFrom(next.handle(), { defaultValue: undefined });
    }
    // This request's handler answered (MISS); or it failed and the engine served the last value instead.
    const status: HttpCacheStatus =
      entry === run.stored ? 'MISS' : run.ran || isStaleEntry(entry, plan.ttl) ? 'STALE' : 'HIT';
    return writeCachedAnswer(request, response, {
      plan,
      entry,
      status,
      layer: this.layerOf(entry),
      statusHeaders: this.settings.statusHeaders,
    });
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

  /** The handler's result as a stored response, or `null` (Nest's own stream types are never stored). */
  private toStored(
    value: unknown,
    status: number,
    response: HttpResponseLike,
    plan: HttpCachePlan,
  ): CachedHttpResponse | null {
    if (value instanceof StreamableFile || isObservable(value)) return null;
    return toCachedResponse(value, {
      status,
      statuses: plan.statuses,
      storeHeaders: this.settings.storeHeaders,
      getHeader: (name) => response.getHeader?.(name),
    });
  }

  private report(message: string, error: unknown): void {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.logger.warn(`${message} (${detail})`);
  }
}
