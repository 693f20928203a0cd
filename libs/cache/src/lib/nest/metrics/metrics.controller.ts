import { Controller, Get, Header, Inject, SetMetadata, type Type } from '@nestjs/common';
import { Registry } from 'prom-client';
import { CACHE_METADATA, CACHE_METRICS_REGISTRY } from '../cache.constants';

/**
 * A controller serving the metrics registry (prom-client text format) at `path`. Built per path because a
 * controller's path is fixed when its class is declared. Marked no-cache so a global HTTP cache interceptor
 * never caches a scrape.
 */
export function createMetricsController(path: string): Type<unknown> {
  @Controller(path)
  @SetMetadata(CACHE_METADATA.noCache, true)
  class CacheMetricsController {
    constructor(@Inject(CACHE_METRICS_REGISTRY) private readonly registry: Registry) {}

    /** Every series of the registry: the cache's and whatever else was registered on it. */
    @Get()
    @SetMetadata(CACHE_METADATA.noCache, true)
    @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
    @Header('Cache-Control', 'no-store')
    scrape(): Promise<string> {
      return this.registry.metrics();
    }
  }
  return CacheMetricsController;
}
