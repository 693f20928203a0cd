export { CacheNestMetrics, type CacheNestOp } from './cache-nest.metrics';
export { createMetricsController } from './metrics.controller';
