import type { CachePutOptions } from '../interfaces/cache-decorator-options.interface';
import { assertKeyOption } from './cacheable.decorator';
import { addCacheOperation } from './cache-operations';

/**
 * Always runs the method, then stores its result under the rendered key (write-through after an update).
 * The key and tags may read the result: `@CachePut({ key: 'bid:{result.id}' })` on a create method. A failed
 * store is logged and counted, never thrown; a result that `unless` rejects, or `undefined`, is not stored.
 */
export function CachePut<R = unknown>(options: CachePutOptions<R>): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    assertKeyOption(options, '@CachePut', target, propertyKey);
    return addCacheOperation(target, propertyKey, descriptor, 'put', options as CachePutOptions);
  };
}
