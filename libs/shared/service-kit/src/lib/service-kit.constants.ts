/** Injection token of the validated {@link ServiceConfig}. */
export const SERVICE_CONFIG = Symbol('service-kit:config');
/** Injection token of the standalone Redis connection. */
export const REDIS_CONNECTION = Symbol('service-kit:redis');
/** Injection token of the Redis Cluster connection (present only when `REDIS_CLUSTER_NODES` is set). */
export const REDIS_CLUSTER_CONNECTION = Symbol('service-kit:redis-cluster');
