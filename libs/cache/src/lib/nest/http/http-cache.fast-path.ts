import {
  ForbiddenException,
  Inject,
  Injectable,
  Optional,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import {
  EXCEPTION_FILTERS_METADATA,
  GUARDS_METADATA,
  HEADERS_METADATA,
  INTERCEPTORS_METADATA,
} from '@nestjs/common/constants';
import { ApplicationConfig } from '@nestjs/core';
import { FORBIDDEN_MESSAGE } from '@nestjs/core/guards/constants';
import { Counter } from 'prom-client';
import { isObservable, lastValueFrom } from 'rxjs';
import type { CachedHttpResponse } from '../../http/cached-response';
import type { HttpCacheRequest } from '../../http/http-cache-options';
import type { HttpCachePlan } from '../../http/http-cache-plan';
import type { HttpResponseLike } from '../../http/responder';
import { CACHE_RESOURCES, type CacheResources } from '../cache-resources';
import { HttpExecutionContext } from './http-execution-context';

/** A fresh L1 answer for one request, found before the route's guards ran. */
export interface EarlyHit {
  readonly plan: HttpCachePlan;
  readonly entry: CachedHttpResponse;
}

/** How one cached route answers early: its interceptor's lookup and responder, bound to the route. */
export interface EarlyResponder<H = EarlyHit> {
  /** The request's fresh L1 entry (counted as an L1 hit), or `undefined` to let Nest's router answer. */
  lookup(request: HttpCacheRequest): H | undefined;
  /** Writes the answer's own headers; returns the body (`undefined`: none, as for a 304). */
  answer(request: HttpCacheRequest, reply: HttpResponseLike, hit: H): unknown;
}

/** An interceptor whose routes may be answered early (`HttpCacheInterceptor`, `CacheEntryRoute`'s). */
export interface EarlyAnswering {
  /** The route's early responder, or `null` when its answer may depend on what Nest's pipeline does. */
  earlyResponder(context: ExecutionContext): EarlyResponder<unknown> | null;
}

/** The parts of Fastify's request and reply the early path touches. */
interface FastifyRequestLike extends HttpCacheRequest {
  readonly routeOptions?: { readonly config?: unknown };
}
interface FastifyReplyLike extends HttpResponseLike {
  header(name: string, value: string): unknown;
  send(body?: unknown): unknown;
}
type HookDone = (error?: unknown) => void;
interface FastifyInstanceLike {
  addHook(
    name: 'preHandler',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: HookDone) => void,
  ): unknown;
}

/** A route learned as answerable early. */
interface LearnedRoute {
  readonly controller: Type<unknown>;
  readonly handler: (...args: unknown[]) => unknown;
  /** The app's global guards, in Nest's order (the route has none of its own). */
  readonly guards: readonly CanActivate[];
  /** `@Header()` values Nest sets before the interceptors run. */
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  readonly responder: EarlyResponder<unknown>;
}

/**
 * Answers fresh L1 hits from a Fastify `preHandler` hook, before Nest's router: stored responses of
 * `HttpCacheInterceptor`'s public routes, and the cache entry a `@CacheEntryRoute` handler returns as its
 * answer. A hit then costs the guards and the responder, without Nest's handler chain (its promise hooks and
 * the interceptors' rxjs plumbing, about half of a cached request's CPU on a bare route).
 *
 * What runs and what does not, so an early answer is the answer Nest would have sent:
 * - Fastify's hooks (Nest middleware, request logging, metrics) run as for any request.
 * - The app's global guards run, in Nest's order, with an `ExecutionContext` of the route's controller and
 *   handler; a guard that throws or answers `false` hands its error to Nest's exception filters (as Nest's
 *   router does), so the guards run once per request either way.
 * - A route is answered early only when Nest's pipeline could not change the answer: no guards, exception
 *   filters or interceptors of its own besides the cache's (and no global interceptor but the cache), no
 *   request-scoped global enhancers, and an answer that does not depend on who calls (`public: true` HTTP
 *   cache routes, or `public: false` without per-user keys; a `@CacheEntryRoute`'s key comes from its path),
 *   since guards may identify the caller. Other routes, misses
 *   and stale entries go through Nest's router as before; so do routes until Nest's router has served
 *   them once (that is how a route is learned).
 * - The hit is looked up before the guards run; when a guard answers asynchronously, the request is
 *   answered with the entry L1 held at its arrival.
 *
 * Fastify only (`installHttpCacheFastPath`); on Express every request goes through Nest's router.
 */
@Injectable()
export class HttpCacheFastPath {
  /** Learned routes by Fastify's per-route config object (`null`: not answerable early). */
  private readonly routes = new WeakMap<object, LearnedRoute | null>();
  /** Methods of the routes learned as answerable: any other request skips the route lookup. */
  private readonly methods = new Set<string>();
  private config: ApplicationConfig | undefined;
  private count = 0;

  /**
   * Counts early answers as `cache_http_early_answers_total` on the cache's registry (a plain number on the
   * hot path, copied into prom-client at scrape time): beside `http_requests_total`, the share of requests
   * that never entered Nest's router.
   */
  constructor(@Optional() @Inject(CACHE_RESOURCES) resources?: CacheResources) {
    if (resources === undefined) return;
    const { prefix, labels } = resources.metricNames;
    const name = `${prefix}http_early_answers_total`;
    if (resources.registry.getSingleMetric(name) !== undefined) return;
    const counter: Counter<string> = new Counter({
      name,
      help: "Fresh HTTP cache hits answered before Nest's router (HttpCacheFastPath).",
      labelNames: Object.keys(labels),
      registers: [resources.registry],
      collect: () => {
        counter.reset();
        counter.inc(labels, this.count);
      },
    });
  }

  /** Whether the hook is installed (routes are learned only then). */
  get installed(): boolean {
    return this.config !== undefined;
  }

  /** Requests answered early since start. */
  get answered(): number {
    return this.count;
  }

  /** Adds the `preHandler` hook to a Fastify instance (before the app initializes). */
  install(fastify: FastifyInstanceLike, config: ApplicationConfig): void {
    if (this.config !== undefined) return;
    this.config = config;
    fastify.addHook('preHandler', (request, reply, done) => this.handle(request, reply, done));
  }

  /**
   * Records whether the route of a request Nest's router is serving may be answered early (once per
   * route; the interceptor calls it for every cacheable request).
   */
  learn(context: ExecutionContext, interceptor: EarlyAnswering): void {
    if (this.config === undefined) return;
    const request = context.switchToHttp().getRequest<FastifyRequestLike>();
    const key = request.routeOptions?.config;
    if (typeof key !== 'object' || key === null || this.routes.has(key)) return;
    const route = this.compile(context, interceptor, this.config);
    this.routes.set(key, route);
    if (route !== null) this.methods.add(request.method);
  }

  private compile(
    context: ExecutionContext,
    interceptor: EarlyAnswering,
    config: ApplicationConfig,
  ): LearnedRoute | null {
    const controller = context.getClass();
    const handler = context.getHandler() as (...args: unknown[]) => unknown;
    const own = (key: string): unknown[] => [
      ...((Reflect.getMetadata(key, controller) as unknown[] | undefined) ?? []),
      ...((Reflect.getMetadata(key, handler) as unknown[] | undefined) ?? []),
    ];
    if (own(GUARDS_METADATA).length > 0 || own(EXCEPTION_FILTERS_METADATA).length > 0) return null;
    const scoped =
      config.getGlobalRequestGuards().length +
      config.getGlobalRequestInterceptors().length +
      config.getGlobalRequestFilters().length;
    if (scoped > 0) return null;
    const interceptors = [...config.getGlobalInterceptors(), ...own(INTERCEPTORS_METADATA)];
    const others = interceptors.filter((i) => i !== interceptor && i !== interceptor.constructor);
    if (interceptors.length - others.length !== 1) return null;
    // Another interceptor may stand in the chain only if it leaves this route alone (a global
    // HttpCacheInterceptor on a route it does not cache).
    if (!others.every((other) => passesThrough(other, context))) return null;
    const responder = interceptor.earlyResponder(context);
    if (responder === null) return null;
    const headers =
      (Reflect.getMetadata(HEADERS_METADATA, handler) as LearnedRoute['headers'] | undefined) ?? [];
    return { controller, handler, guards: [...config.getGlobalGuards()], headers, responder };
  }

  private handle(request: FastifyRequestLike, reply: FastifyReplyLike, done: HookDone): void {
    // Writes (and any method no learned route has) skip Fastify's `routeOptions`, a new object per read.
    if (!this.methods.has(request.method)) return done();
    const key = request.routeOptions?.config;
    const route = typeof key === 'object' && key !== null ? this.routes.get(key) : undefined;
    if (route === undefined || route === null) return done();
    let hit: unknown;
    try {
      hit = route.responder.lookup(request);
    } catch {
      hit = undefined;
    }
    if (hit === undefined) return done();
    let verdict: boolean | Promise<boolean>;
    try {
      verdict = runGuards(route, request, reply);
    } catch (error) {
      return done(error);
    }
    if (verdict === true) return this.send(route, request, reply, hit, done);
    if (verdict === false) return done(new ForbiddenException(FORBIDDEN_MESSAGE));
    const found = hit;
    verdict.then(
      (allowed) =>
        allowed
          ? this.send(route, request, reply, found, done)
          : done(new ForbiddenException(FORBIDDEN_MESSAGE)),
      (error: unknown) => done(error),
    );
  }

  private send(
    route: LearnedRoute,
    request: FastifyRequestLike,
    reply: FastifyReplyLike,
    hit: unknown,
    done: HookDone,
  ): void {
    let body: unknown;
    try {
      for (const { name, value } of route.headers) reply.header(name, value);
      body = route.responder.answer(request, reply, hit);
    } catch {
      // Never a failed request for the cache's sake: Nest's router answers it and sets its headers anew (the
      // guards then run a second time, for this request only).
      return done();
    }
    this.count++;
    reply.send(body);
  }
}

/** An interceptor that can say it leaves a route alone (`HttpCacheInterceptor` on a route it does not cache). */
interface MaybeTransparent {
  passesThrough?(context: ExecutionContext): boolean;
}

const passesThrough = (interceptor: unknown, context: ExecutionContext): boolean =>
  typeof (interceptor as MaybeTransparent).passesThrough === 'function' &&
  (interceptor as MaybeTransparent).passesThrough?.(context) === true;

/** Runs the route's guards as Nest's `GuardsConsumer` does: `true` at once when each answers `true` synchronously. */
function runGuards(
  route: LearnedRoute,
  request: FastifyRequestLike,
  reply: FastifyReplyLike,
): boolean | Promise<boolean> {
  if (route.guards.length === 0) return true;
  const context = new HttpExecutionContext(request, reply, route.controller, route.handler);
  for (let i = 0; i < route.guards.length; i++) {
    const result = route.guards[i].canActivate(context);
    if (result === true) continue;
    if (typeof result === 'boolean') return false;
    return finishGuards(route.guards, context, i + 1, result);
  }
  return true;
}

async function finishGuards(
  guards: readonly CanActivate[],
  context: ExecutionContext,
  from: number,
  pending: ReturnType<CanActivate['canActivate']>,
): Promise<boolean> {
  if (!(await settle(pending))) return false;
  for (let i = from; i < guards.length; i++) {
    if (!(await settle(guards[i].canActivate(context)))) return false;
  }
  return true;
}

const settle = (result: ReturnType<CanActivate['canActivate']>): Promise<boolean> | boolean =>
  isObservable(result) ? lastValueFrom(result) : result;

/**
 * Installs {@link HttpCacheFastPath} on a Nest app running on Fastify (call before `init`/`listen`); returns
 * whether it did (not on Express, nor without the cache module).
 */
export function installHttpCacheFastPath(app: INestApplication): boolean {
  const adapter = app.getHttpAdapter();
  if (adapter.getType() !== 'fastify') return false;
  let fastPath: HttpCacheFastPath;
  try {
    fastPath = app.get(HttpCacheFastPath, { strict: false });
  } catch {
    return false;
  }
  fastPath.install(
    adapter.getInstance() as FastifyInstanceLike,
    app.get(ApplicationConfig, { strict: false }),
  );
  return true;
}
