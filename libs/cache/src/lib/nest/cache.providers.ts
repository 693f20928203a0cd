import type { Provider } from '@nestjs/common';
import { toCacheManager } from '../compat/cache-manager.adapter';
import {
  CACHE_INSTANCE,
  CACHE_MANAGER,
  CACHE_METRICS_REGISTRY,
  EDGE_PURGER,
  HTTP_CACHE_OPTIONS,
  getCacheToken,
} from './cache.constants';
import { CacheDecoratorsExplorer } from './cache-decorators.explorer';
import { CacheInvalidator } from './cache-invalidator.service';
import { CacheLifecycle } from './cache-lifecycle';
import { CACHE_MODULE_OPTIONS } from './cache.module-definition';
import { CacheNamespaces } from './cache-namespaces';
import { CACHE_RESOURCES, createCacheResources, type CacheResources } from './cache-resources';
import { CacheHealthIndicator } from './health/cache.health';
import { HttpCacheFastPath } from './http/http-cache.fast-path';
import type { CacheFeatureOptions, CacheModuleOptions } from './interfaces/cache-module-options.interface';
import { CacheNestMetrics } from './metrics/cache-nest.metrics';

/** Tokens and classes `forRoot` exports. */
export const CACHE_EXPORTS = [
  CACHE_INSTANCE,
  CACHE_MANAGER,
  CACHE_METRICS_REGISTRY,
  EDGE_PURGER,
  HTTP_CACHE_OPTIONS,
  CacheInvalidator,
  CacheNamespaces,
  CacheHealthIndicator,
  HttpCacheFastPath,
];

/** The providers of `forRoot` / `forRootAsync` (besides the options provider the builder adds). */
export function createCacheProviders(): Provider[] {
  return [
    {
      provide: CACHE_RESOURCES,
      inject: [CACHE_MODULE_OPTIONS],
      useFactory: (options: CacheModuleOptions) => createCacheResources(options),
    },
    { provide: CACHE_INSTANCE, inject: [CACHE_RESOURCES], useFactory: (r: CacheResources) => r.cache },
    {
      provide: CACHE_METRICS_REGISTRY,
      inject: [CACHE_RESOURCES],
      useFactory: (r: CacheResources) => r.registry,
    },
    {
      provide: CACHE_MANAGER,
      inject: [CACHE_RESOURCES],
      useFactory: (r: CacheResources) => toCacheManager(r.cache, { cacheId: 'platform-cache' }),
    },
    {
      provide: EDGE_PURGER,
      inject: [CACHE_RESOURCES],
      useFactory: (r: CacheResources) => r.options.edge?.purger ?? null,
    },
    {
      provide: HTTP_CACHE_OPTIONS,
      inject: [CACHE_RESOURCES],
      useFactory: (r: CacheResources) => r.options.http ?? {},
    },
    CacheLifecycle,
    CacheNamespaces,
    CacheNestMetrics,
    CacheInvalidator,
    CacheHealthIndicator,
    CacheDecoratorsExplorer,
    HttpCacheFastPath,
  ];
}

/** The provider of `forFeature`: the namespaced cache, registered with its defaults. */
export function createFeatureProvider(options: CacheFeatureOptions): Provider {
  const { namespace, ...policy } = options;
  return {
    provide: getCacheToken(namespace),
    inject: [CacheNamespaces],
    useFactory: (namespaces: CacheNamespaces) => namespaces.register(namespace, policy),
  };
}
