import {
  applyDecorators,
  Injectable,
  Optional,
  SetMetadata,
  UseInterceptors,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import type { Observable } from 'rxjs';
import type { NamespacedCache } from '../../cache/namespaced-cache';
import type { HttpCacheRequest } from '../../http/http-cache-options';
import { CacheNamespaces } from '../cache-namespaces';
import { HttpCacheFastPath, type EarlyAnswering, type EarlyResponder } from './http-cache.fast-path';

/** Metadata key of {@link CacheEntryRoute}. */
export const CACHE_ENTRY_ROUTE_METADATA = 'cache:entry-route';

/** Told of each request answered early from a cache entry, for what its handler does besides reading it. */
export interface CacheEntryReads {
  /** A read of `key` in `namespace` (`'bid'`, `'42'`), answered from L1 before the handler. */
  noteRead(namespace: string, key: string): void;
}

/** Options of {@link CacheEntryRoute}. */
export interface CacheEntryRouteOptions {
  /** The namespace whose cache the handler reads (`forFeature({ namespace })`, `@InjectCache(namespace)`). */
  readonly namespace: string;
  /** The key the handler reads, from the route's path parameters; `undefined` leaves the request to it. */
  readonly key: (params: Readonly<Record<string, string | undefined>>) => string | undefined;
  /** A provider told of each early answer (a tracker of recently read or hot keys the handler feeds). */
  readonly reads?: Type<CacheEntryReads>;
}

/**
 * Declares that a GET route answers with exactly the value its namespace's cache holds for one key — its
 * handler returns `cache.getOrSet(key, load)` unchanged (a 404 when the load finds nothing is not cached). With
 * {@link HttpCacheFastPath} installed (Fastify), a fresh L1 entry of that key is then answered as JSON before
 * Nest's router, as Nest would have sent it, after the app's global guards; `null` or a miss goes to the
 * handler. Without the fast path nothing changes. The entity itself is cached once, by the engine: the
 * response is not stored a second time. An early answer skips the route's pipes: `key` sees the raw path
 * parameters, so only keys a validated request filled can hit (a parameter the pipe refuses misses).
 *
 * ```ts
 * @Get(':id')
 * @CacheEntryRoute({ namespace: 'bid', key: ({ id }) => id, reads: BidReadTracker })
 * get(@Param() { id }: BidIdDto) { return this.bids.get(id); } // bidCache.getOrSet(id, load)
 * ```
 */
export function CacheEntryRoute(options: CacheEntryRouteOptions): MethodDecorator {
  return applyDecorators(
    SetMetadata(CACHE_ENTRY_ROUTE_METADATA, options),
    UseInterceptors(CacheEntryRouteInterceptor),
  );
}

/**
 * The Nest side of {@link CacheEntryRoute}: passes every request through to the handler, and shows the route
 * to {@link HttpCacheFastPath} (which learns routes from the requests Nest's router serves).
 */
@Injectable()
export class CacheEntryRouteInterceptor implements NestInterceptor, EarlyAnswering {
  constructor(
    private readonly reflector: Reflector,
    private readonly moduleRef: ModuleRef,
    @Optional() private readonly namespaces?: CacheNamespaces,
    @Optional() private readonly fastPath?: HttpCacheFastPath,
  ) {}

  /** @inheritdoc */
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.fastPath?.installed === true && context.getType() === 'http') this.fastPath.learn(context, this);
    return next.handle();
  }

  /** Reads the route's key from L1 (a miss is left uncounted: the handler's `getOrSet` counts it). */
  earlyResponder(context: ExecutionContext): EarlyResponder<{ key: string; value: object }> | null {
    const options = this.reflector.get<CacheEntryRouteOptions | undefined>(
      CACHE_ENTRY_ROUTE_METADATA,
      context.getHandler(),
    );
    if (options === undefined || this.namespaces === undefined) return null;
    const cache = this.namespaces.cache(options.namespace) as NamespacedCache<unknown>;
    const reads =
      options.reads === undefined ? undefined : this.moduleRef.get(options.reads, { strict: false });
    const { namespace } = options;
    return {
      lookup: (request: HttpCacheRequest & { params?: Record<string, string | undefined> }) => {
        if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
        const key = options.key(request.params ?? {});
        if (key === undefined || key === '') return undefined;
        const value = cache.peekBeforeLoad(key);
        return typeof value === 'object' && value !== null ? { key, value } : undefined;
      },
      // After the guards let the request in, as the handler would have noted it.
      answer: (_request, _reply, hit) => {
        reads?.noteRead(namespace, hit.key);
        return hit.value;
      },
    };
  }
}
