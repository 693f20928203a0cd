/**
 * A small Nest app per scenario for the HTTP cache specs: one controller whose routes cover what the
 * interceptor must do (route keys, per-user and per-tenant vary, query normalization, errors, non-200
 * statuses, raw responses, grace, stale-while-revalidate), wired through `CacheModule.forRoot` with a real
 * Redis client and `HttpCacheInterceptor` as a global interceptor. A shared {@link RouteCalls} counts handler
 * runs, so several app instances play one backend.
 */
import {
  type CanActivate,
  Controller,
  Get,
  Header,
  Headers,
  HttpCode,
  Inject,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  NotFoundException,
  Param,
  Query,
  Req,
  Res,
  ServiceUnavailableException,
  UnauthorizedException,
  UseGuards,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { TieredCache } from '../../../cache/create-cache';
import type { RedisConnection } from '../../../redis-connection';
import { CACHE_INSTANCE } from '../../cache.constants';
import { CacheInvalidator } from '../../cache-invalidator.service';
import { CacheModule } from '../../cache.module';
import { CacheNamespaces } from '../../cache-namespaces';
import type { Cache } from '../../../cache/cache.types';
import { CacheEntryRoute, type CacheEntryReads } from '../cache-entry-route.decorator';
import type { EdgePurger } from '../../edge/edge-purger';
import type { HttpCacheOptions } from '../../interfaces/http-cache-options.interface';
import { CacheRoute, NoCache } from '../cache-route.decorator';
import { HttpCacheFastPath, installHttpCacheFastPath } from '../http-cache.fast-path';
import { HttpCacheInterceptor } from '../http-cache.interceptor';

/** Handler runs per route, a switch that makes handlers fail, and a gate that holds them. */
export class RouteCalls {
  private readonly counts = new Map<string, number>();
  /** Entity versions, bumped by "writes" in the specs. */
  readonly versions = new Map<string, number>();
  /** While set, `fail/*`, `flaky` and `bids/*` handlers throw. */
  failing = false;
  /** While set, `slow/*` handlers wait for it. */
  gate: Promise<void> | undefined;

  /** Records a run of `route` and returns the new count. */
  hit(route: string): number {
    const n = this.count(route) + 1;
    this.counts.set(route, n);
    return n;
  }

  /** How many times `route` ran. */
  count(route: string): number {
    return this.counts.get(route) ?? 0;
  }

  /** Closes the gate; returns the function that opens it. */
  hold(): () => void {
    let open!: () => void;
    this.gate = new Promise<void>((resolve) => (open = resolve));
    return () => {
      this.gate = undefined;
      open();
    };
  }
}

const CALLS = Symbol('fixture.routeCalls');

/**
 * HTTP stacks the fixture runs on; every HTTP cache spec runs on each: both frameworks, and Fastify with
 * {@link HttpCacheFastPath} answering fresh hits before Nest's router (as the services run).
 */
export const HTTP_ADAPTERS = ['fastify', 'fastify+fast-path', 'express'] as const;

/** The bits of the request and response (Express's or Fastify's alike) the fixture touches. */
interface FixtureRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: { id: string };
  /** Fastify's Node request, which middleware sees. */
  raw?: { user?: { id: string } };
}

/**
 * Identifies callers by an API key header (`x-api-key`, or `x-client-key`) in middleware, as an app with its
 * own scheme does: `request.user = { id: 'key:<key>' }` on the request middleware sees (Fastify's Node one).
 */
function apiKeyMiddleware(request: FixtureRequest, _response: unknown, next: () => void): void {
  const key = request.headers['x-api-key'] ?? request.headers['x-client-key'];
  if (typeof key === 'string') request.user = { id: `key:${key}` };
  next();
}
interface FixtureResponse {
  send(body: unknown): void;
}

/**
 * A bearer token is the user id (`Authorization: Bearer alice` → `request.user = { id: 'alice' }`), as an
 * auth guard would set it (a guard, so it runs before the interceptor on either framework). Counted as the
 * route `guard`; `x-deny: throw` makes it throw a 401, `x-deny: false` answer `false` (Nest's 403), and
 * `x-deny: async` answer `true` on a later tick.
 */
@Injectable()
class BearerUserGuard implements CanActivate {
  constructor(@Inject(CALLS) private readonly calls: RouteCalls) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    this.calls.hit('guard');
    const request = context.switchToHttp().getRequest<FixtureRequest>();
    const authorization = request.headers['authorization'];
    const bearer = /^Bearer (.+)$/.exec(typeof authorization === 'string' ? authorization : '');
    if (bearer !== null) request.user = { id: bearer[1] };
    const deny = request.headers['x-deny'];
    if (deny === 'throw') throw new UnauthorizedException('denied by the fixture guard');
    if (deny === 'false') return false;
    if (deny === 'async') return new Promise((resolve) => setImmediate(() => resolve(true)));
    return true;
  }
}

/** A route's own guard (counted as `own-guard`): such a route is never answered before Nest's router. */
@Injectable()
class OwnGuard implements CanActivate {
  constructor(@Inject(CALLS) private readonly calls: RouteCalls) {}

  canActivate(): boolean {
    this.calls.hit('own-guard');
    return true;
  }
}

/** Reads of `entry` keys, noted by the handler and by early answers (`namespace:key`). */
@Injectable()
export class EntryReads implements CacheEntryReads {
  readonly notes: string[] = [];

  noteRead(namespace: string, key: string): void {
    this.notes.push(`${namespace}:${key}`);
  }
}

/** Every scenario's route. */
@Controller()
export class FixtureController {
  private readonly entries: Cache<{ id: string; served: number } | null>;

  constructor(
    @Inject(CALLS) private readonly calls: RouteCalls,
    namespaces: CacheNamespaces,
    private readonly reads: EntryReads,
  ) {
    this.entries = namespaces.register('entry', { ttl: { l1: '30s', l2: '5m' } });
  }

  /**
   * An entity read through the engine, answered with the cached value itself (`@CacheEntryRoute`); `none`
   * is cached as `null` and answered 404.
   */
  @Get('entries/:id')
  @CacheEntryRoute({ namespace: 'entry', key: ({ id }) => id, reads: EntryReads })
  async entry(@Param('id') id: string) {
    this.reads.noteRead('entry', id);
    const value = await this.entries.getOrSet(id, async () =>
      id === 'none' ? null : { id, served: this.calls.hit('entry') },
    );
    if (value === null) throw new NotFoundException(`no entry ${id}`);
    return value;
  }

  /** TTLs come from the `bid` namespace (`l3: 1m`); tagged with its key and `bids`. */
  @Get('bids/:id')
  @CacheRoute({ key: 'bid:{id}', tags: ['bids'] })
  bid(@Param('id') id: string) {
    const served = this.calls.hit('bid');
    if (this.calls.failing) throw new ServiceUnavailableException('database down');
    return { id, version: this.calls.versions.get(id) ?? 1, served };
  }

  /** Whatever the caller is allowed to see: must never reach another caller. */
  @Get('me')
  @CacheRoute({ ttl: { l1: '30s', l2: '1m', l3: '1m' } })
  me(@Req() request: FixtureRequest) {
    const served = this.calls.hit('me');
    const user = (request.user ?? request.raw?.user)?.id ?? null;
    return { user, secret: `secret-of-${user ?? 'anonymous'}`, served };
  }

  /** Declared private: no shared cache may keep it, even without credentials on the request. */
  @Get('account')
  @CacheRoute({ public: false, ttl: { l3: '1m' } })
  account() {
    return { account: 'private', served: this.calls.hit('account') };
  }

  /** The same answer for every caller, declared so: the edge may keep it even for authenticated requests. */
  @Get('catalog')
  @CacheRoute({ public: true, ttl: { l3: '1m' } })
  catalog() {
    return { items: ['a', 'b'], served: this.calls.hit('catalog') };
  }

  /** Public, with its own status and header (set by Nest before the interceptors run). */
  @Get('notice')
  @HttpCode(203)
  @Header('X-Notice', 'fixture')
  @CacheRoute({ public: true, key: 'notice', statuses: [203], ttl: { l3: '1m' } })
  notice() {
    return { notice: 'hello', served: this.calls.hit('notice') };
  }

  /** Public, but behind a guard of its own. */
  @Get('guarded')
  @UseGuards(OwnGuard)
  @CacheRoute({ public: true, ttl: { l3: '1m' } })
  guarded() {
    return { guarded: true, served: this.calls.hit('guarded') };
  }

  @Get('search')
  @CacheRoute({ ttl: { l3: '1m' } })
  search(@Query() query: Record<string, unknown>) {
    return { query, served: this.calls.hit('search') };
  }

  @Get('report')
  @CacheRoute({ vary: { tenant: 'x-tenant-id', headers: ['accept-language'] } })
  report(
    @Headers('x-tenant-id') tenant: string | undefined,
    @Headers('accept-language') language: string | undefined,
  ) {
    return { tenant: tenant ?? null, language: language ?? null, served: this.calls.hit('report') };
  }

  @Get('slow/:id')
  @CacheRoute({ key: 'slow:{id}', ttl: { l1: '1m', l2: '5m', l3: '1m' } })
  async slow(@Param('id') id: string) {
    const served = this.calls.hit(`slow:${id}`);
    if (this.calls.gate !== undefined) await this.calls.gate;
    return { id, served, payload: 'x'.repeat(1000) };
  }

  @Get('fail/:id')
  @CacheRoute()
  failOnDemand(@Param('id') id: string) {
    this.calls.hit('fail');
    if (this.calls.failing) throw new NotFoundException(`no thing ${id}`);
    return { id };
  }

  @Get('created')
  @HttpCode(201)
  @CacheRoute()
  created() {
    return { created: true, served: this.calls.hit('created') };
  }

  @Get('raw')
  @CacheRoute()
  raw(@Res() response: FixtureResponse) {
    response.send({ raw: true, served: this.calls.hit('raw') });
    // Nest ignores what a raw @Res() handler returns; a cache must not store (or replay) it either.
    return { ignored: true };
  }

  @Get('text')
  @CacheRoute()
  text() {
    return `plain text #${this.calls.hit('text')}`;
  }

  @Get('flaky')
  @CacheRoute({ ttl: { l1: '40ms', l2: '80ms' }, grace: '1m' })
  flaky() {
    const served = this.calls.hit('flaky');
    if (this.calls.failing) throw new ServiceUnavailableException('database down');
    return { served };
  }

  @Get('fresh')
  @CacheRoute({ ttl: { l1: '5m', l2: '5m' }, swr: '60ms' })
  fresh() {
    return { served: this.calls.hit('fresh') };
  }

  /** TTLs per request (`ttlFor`): `today` lives 2 s in every layer, any other day the route's hour. */
  @Get('days/:day')
  @CacheRoute({
    public: true,
    key: 'day:{day}',
    ttl: { l1: '1h', l2: '1h', l3: '1h' },
    ttlFor: ({ params }) => (params?.['day'] === 'today' ? { l1: '2s', l2: '2s', l3: '2s' } : undefined),
  })
  day(@Param('day') day: string) {
    return { day, served: this.calls.hit(`day:${day}`) };
  }

  /** Not decorated: cached only in `routes: 'all'` mode. */
  @Get('plain')
  plain() {
    return { served: this.calls.hit('plain') };
  }

  @Get('never')
  @NoCache()
  never() {
    return { served: this.calls.hit('never') };
  }

  /** Says it may be kept by shared caches, but without surrogate keys: nothing could purge it. */
  @Get('unpurgeable')
  @Header('Cache-Control', 'public, max-age=0, s-maxage=60')
  unpurgeable() {
    return { served: this.calls.hit('unpurgeable') };
  }

  /** A server error the route explicitly marks for the edge (`statuses: [500]`): 5xx must still not stay. */
  @Get('broken')
  @HttpCode(500)
  @CacheRoute({ key: 'broken', statuses: [500], ttl: { l3: '1m' } })
  broken() {
    return { error: 'broken', served: this.calls.hit('broken') };
  }

  /** A 410 the route asks the caches to keep (`statuses: [410]`), as a route opts an error status in. */
  @Get('gone/:id')
  @HttpCode(410)
  @CacheRoute({ key: 'gone:{id}', statuses: [410], ttl: { l3: '1m' } })
  gone(@Param('id') id: string) {
    return { id, gone: true, served: this.calls.hit('gone') };
  }
}

/** Options of {@link startHttpFixture}. */
export interface HttpFixtureOptions {
  /** The L2 client (not closed by the fixture). */
  readonly redis: RedisConnection;
  /** Key prefix, unique per test. */
  readonly prefix: string;
  /** Handler counters, shared between app instances that play one backend. */
  readonly calls?: RouteCalls;
  readonly http?: HttpCacheOptions;
  readonly purger?: EdgePurger | null;
  /** The engine's hard loader timeout for every entry (the handler is abandoned by the cache past it). */
  readonly hardTimeout?: string;
  /** How long start-up waits for the cache's bus (short when Redis is meant to be down). */
  readonly connectTimeout?: string;
  /** The HTTP framework under Nest (default Fastify, as the services run). */
  readonly adapter?: (typeof HTTP_ADAPTERS)[number];
}

/** A running fixture app. */
export interface HttpFixture {
  readonly app: INestApplication;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly calls: RouteCalls;
  readonly cache: TieredCache;
  readonly invalidator: CacheInvalidator;
  /** The app's early-answer path (installed on `fastify+fast-path` only). */
  readonly fastPath: HttpCacheFastPath;
  close(): Promise<void>;
}

/** Starts the fixture app on a free loopback port (see {@link BearerUserGuard} for users). */
export async function startHttpFixture(options: HttpFixtureOptions): Promise<HttpFixture> {
  const calls = options.calls ?? new RouteCalls();
  const http = options.http ?? {};

  @Module({
    imports: [
      CacheModule.forRoot({
        prefix: options.prefix,
        l2: { redis: options.redis },
        metrics: false,
        metricsPath: false,
        namespaces: { bid: { ttl: { l1: '30s', l2: '5m', l3: '1m' } } },
        edge: { purger: options.purger ?? null },
        ...(options.hardTimeout === undefined ? {} : { timeouts: { hard: options.hardTimeout as '1s' } }),
        http,
        ...(options.connectTimeout === undefined ? {} : { connectTimeout: options.connectTimeout as '1s' }),
      }),
    ],
    controllers: [FixtureController],
    providers: [
      { provide: CALLS, useValue: calls },
      OwnGuard,
      EntryReads,
      { provide: APP_GUARD, useClass: BearerUserGuard },
      { provide: APP_INTERCEPTOR, useClass: HttpCacheInterceptor },
    ],
  })
  class FixtureAppModule implements NestModule {
    configure(consumer: MiddlewareConsumer): void {
      consumer.apply(apiKeyMiddleware).forRoutes(FixtureController);
    }
  }

  const moduleRef = await Test.createTestingModule({ imports: [FixtureAppModule] }).compile();
  const app =
    options.adapter === 'express'
      ? moduleRef.createNestApplication({ logger: false })
      : moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  if (options.adapter === 'fastify+fast-path' && !installHttpCacheFastPath(app)) {
    throw new Error('the fast path did not install on Fastify');
  }
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    calls,
    cache: app.get<TieredCache>(CACHE_INSTANCE),
    invalidator: app.get(CacheInvalidator),
    fastPath: app.get(HttpCacheFastPath),
    close: () => app.close(),
  };
}
