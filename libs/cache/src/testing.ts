// Test helpers of @platform/cache: the driver contract suite, a throwaway redis-server and varnishd.
export { registerDriverContractSuite } from './lib/testing/driver-contract';
export {
  startRedisServer,
  type RedisServerHandle,
  type RedisServerOptions,
} from './lib/testing/redis-server';
export {
  startRedisCluster,
  type RedisClusterHandle,
  type RedisClusterOptions,
} from './lib/testing/redis-cluster';
export { findOnPath, freePort } from './lib/testing/local-process';
export {
  startVarnish,
  renderVcl,
  type VarnishHandle,
  type StartVarnishOptions,
} from './lib/nest/edge/testing/varnish-server';
export { mulberry32, permutation, zipfSampler, zipfSequence } from './lib/testing/zipf';
export { generateTestCertificates, type TestCertificates } from './lib/testing/test-certificates';
