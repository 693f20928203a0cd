import type { Provider } from '@nestjs/common';
import { CACHE_METRICS_REGISTRY } from '@platform/cache/nest';
import { Registry } from 'prom-client';
import { ConsumerMetrics } from './consumer.metrics';

/** Injection token of the service's {@link ConsumerMetrics}. */
export const CONSUMER_METRICS = Symbol('service-kit:consumer-metrics');

/**
 * Provides {@link ConsumerMetrics} on the registry served at `/metrics` (`CACHE_METRICS_REGISTRY` of the
 * cache module), or on a registry of its own when the cache module is not there.
 */
export const consumerMetricsProvider: Provider = {
  provide: CONSUMER_METRICS,
  inject: [{ token: CACHE_METRICS_REGISTRY, optional: true }],
  useFactory: (registry?: Registry | null) => new ConsumerMetrics(registry ?? new Registry()),
};
