import { SetMetadata } from '@nestjs/common';
import type { CacheRouteOptions } from '../../http/http-cache-options';
import { validateRouteOptions } from '../../http/route-options';
import { CACHE_METADATA } from '../cache.constants';

/**
 * Caches a GET route's response (or every GET route of a controller) through `HttpCacheInterceptor`: in L1
 * and L2 with the route's TTLs, at the edge with `Cache-Control: public, s-maxage=<l3>` and `Surrogate-Key`,
 * varying by user/tenant/headers so one caller's response is never served to another. Options are checked
 * when the class is defined, so a bad template or TTL stops the application at startup.
 *
 * @example
 * \@Get(':id')
 * \@CacheRoute({ key: 'bid:{id}', ttl: { l1: '30s', l2: '5m', l3: '1m' }, tags: ['bids'] })
 * find(@Param('id') id: string) { ... }
 */
export function CacheRoute(options: CacheRouteOptions = {}): ClassDecorator & MethodDecorator {
  return (target: object, propertyKey?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where =
      descriptor === undefined
        ? `@CacheRoute on ${(target as { name?: string }).name ?? 'class'}`
        : `@CacheRoute on ${target.constructor.name}.${String(propertyKey)}`;
    validateRouteOptions(options, where);
    applyMetadata(CACHE_METADATA.route, options, target, propertyKey, descriptor);
  };
}

/** Keeps a route (or a whole controller) out of the HTTP cache, whatever the interceptor's `routes` mode. */
export function NoCache(): ClassDecorator & MethodDecorator {
  return (target: object, propertyKey?: string | symbol, descriptor?: PropertyDescriptor) => {
    applyMetadata(CACHE_METADATA.noCache, true, target, propertyKey, descriptor);
  };
}

/** Nest's `SetMetadata`, on the method when decorating one, else on the class. */
function applyMetadata(
  key: string,
  value: unknown,
  target: object,
  propertyKey: string | symbol | undefined,
  descriptor: PropertyDescriptor | undefined,
): void {
  const decorator = SetMetadata(key, value);
  if (descriptor === undefined) decorator(target as never);
  else decorator(target, propertyKey as string | symbol, descriptor);
}
