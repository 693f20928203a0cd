import type { CacheableOptions } from '../interfaces/cache-decorator-options.interface';
import { CacheDecoratorError } from './cache-decorator.error';
import { addCacheOperation } from './cache-operations';

/**
 * Read-through caching of an async method of any provider (service, controller, gRPC handler): the result is
 * stored under the rendered key and later calls with the same key are answered from L1/L2 without running
 * the method. Uses the engine's `getOrSet`, so concurrent calls share one run (in-process and, with a Redis
 * lease, across processes), and `swr`, `grace` and `timeouts` apply. A cache failure never fails the call:
 * the method runs instead.
 *
 * @example
 * \@Cacheable({ key: 'bid:{id}', ttl: { l1: '30s', l2: '5m' }, tags: ['buyer:{buyerId}'] })
 * async findBid(id: string, buyerId: string): Promise<Bid | null> { … }
 */
export function Cacheable<R = unknown>(options: CacheableOptions<R>): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    assertKeyOption(options, '@Cacheable', target, propertyKey);
    return addCacheOperation(target, propertyKey, descriptor, 'cacheable', options as CacheableOptions);
  };
}

/** Checks at declaration that a key option is there (the template itself is compiled at startup). */
export function assertKeyOption(
  options: { key?: unknown } | undefined,
  decorator: string,
  target: object,
  propertyKey: string | symbol,
): void {
  if (
    options === null ||
    typeof options !== 'object' ||
    typeof options.key !== 'string' ||
    options.key === ''
  ) {
    throw new CacheDecoratorError(
      `${decorator} on ${target.constructor?.name}.${String(propertyKey)}: \`key\` must be a non-empty template such as 'bid:{id}'`,
    );
  }
}
