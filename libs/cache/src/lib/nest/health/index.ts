export { CacheHealthIndicator, type CacheHealthOptions } from './cache.health';
