// Test helpers of @platform/cache: the driver contract suite, a throwaway redis-server and varnishd.
export { registerDriverContractSuite } from './lib/testing/driver-contract';
export { startRedisServer } from './lib/testing/redis-server';
export { findOnPath, freePort } from './lib/testing/local-process';
export {
  startVarnish,
  renderVcl,
  type VarnishHandle,
  type StartVarnishOptions,
} from './lib/nest/edge/testing/varnish-server';
export { mulberry32, permutation, zipfSampler, zipfSequence } from './lib/testing/zipf';
