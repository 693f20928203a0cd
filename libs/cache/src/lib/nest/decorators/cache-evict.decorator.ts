import type { CacheEvictOptions } from '../interfaces/cache-decorator-options.interface';
import { CacheDecoratorError } from './cache-decorator.error';
import { addCacheOperation } from './cache-operations';

/**
 * Invalidates keys, tags and/or whole namespaces when the method is called — after it returned (default,
 * and only if it did not throw) or before it runs (`beforeInvocation: true`). Invalidation goes through
 * `CacheInvalidator`: L1, L2, every instance's L1 over the bus, then the L3 edge by surrogate key. A cache
 * failure is logged and counted, never thrown to the caller. Several `@CacheEvict` may decorate one method.
 *
 * @example
 * \@CacheEvict({ keys: ['bid:{id}', 'bids:buyer:{dto.buyerId}:active'], tags: ['call:{dto.callId}'] })
 * async updateBid(id: string, dto: UpdateBidDto): Promise<Bid> { … }
 */
export function CacheEvict(options: CacheEvictOptions): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const where = `@CacheEvict on ${target.constructor?.name}.${String(propertyKey)}`;
    if (options === null || typeof options !== 'object') {
      throw new CacheDecoratorError(`${where}: expected an options object`);
    }
    const namespaces = options.namespace === undefined ? [] : [options.namespace].flat();
    if ((options.keys?.length ?? 0) + (options.tags?.length ?? 0) + namespaces.length === 0) {
      throw new CacheDecoratorError(`${where}: give at least one of \`keys\`, \`tags\` or \`namespace\``);
    }
    return addCacheOperation(target, propertyKey, descriptor, 'evict', options);
  };
}
