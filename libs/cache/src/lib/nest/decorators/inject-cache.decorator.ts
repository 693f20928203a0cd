import { Inject } from '@nestjs/common';
import { getCacheToken } from '../cache.constants';

/**
 * Injects the namespaced cache registered with `CacheModule.forFeature({ namespace })`.
 *
 * @example
 * constructor(\@InjectCache('bid') private readonly bids: Cache<Bid>) {}
 */
export const InjectCache = (namespace: string): ParameterDecorator & PropertyDecorator =>
  Inject(getCacheToken(namespace));
