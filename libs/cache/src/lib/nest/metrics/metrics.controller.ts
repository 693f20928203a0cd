import { Controller, Get, Header, Inject, SetMetadata, type Type } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { CACHE_METADATA, CACHE_METRICS_REGISTRY } from '../cache.constants';

/**
 * A controller serving the metrics registry (prom-client text format) at `path`. Built per path because a
 * controller's path is fixed when its class is declared. Marked no-cache so a global HTTP cache interceptor
 * never caches a scrape.
 */
export function createMetricsController(path: string): Type<unknown> {
  @ApiTags('metrics')
  @Controller(path)
  @SetMetadata(CACHE_METADATA.noCache, true)
  class CacheMetricsController {
    constructor(@Inject(CACHE_METRICS_REGISTRY) private readonly registry: Registry) {}

    /** Every series of the registry: the cache's and whatever else was registered on it. */
    @Get()
    @ApiOperation({
      summary: 'Prometheus metrics (text exposition format)',
      description: 'Open: no token needed.',
    })
    @ApiProduces(Registry.PROMETHEUS_CONTENT_TYPE)
    @ApiResponse({
      status: 200,
      description: 'Every series of the registry',
      content: { [Registry.PROMETHEUS_CONTENT_TYPE]: { schema: { type: 'string' } } },
    })
    @SetMetadata(CACHE_METADATA.noCache, true)
    @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
    @Header('Cache-Control', 'no-store')
    scrape(): Promise<string> {
      return this.registry.metrics();
    }
  }
  return CacheMetricsController;
}
