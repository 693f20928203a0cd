// Test helpers of @platform/cache: the driver contract suite and a throwaway redis-server.
export { registerDriverContractSuite } from './lib/testing/driver-contract';
export { startRedisServer } from './lib/testing/redis-server';
