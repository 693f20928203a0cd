// Test helpers for code that uses @platform/cache. The engine's store contract suite lands here.
export { createRedisConnection, connectRedis } from './lib/redis-connection';
