export { Cacheable } from './cacheable.decorator';
export { CachePut } from './cache-put.decorator';
export { CacheEvict } from './cache-evict.decorator';
export { InjectCache } from './inject-cache.decorator';
export { CacheDecoratorError } from './cache-decorator.error';
