import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { getCacheToken } from './cache.constants';
import {
  CACHE_MODULE_ASYNC_OPTIONS_TYPE,
  CACHE_MODULE_OPTIONS_TYPE,
  ConfigurableModuleClass,
  DEFAULT_EXTRAS,
} from './cache.module-definition';
import { CACHE_EXPORTS, createCacheProviders, createFeatureProvider } from './cache.providers';
import { InvalidOptionError } from '../core/errors';
import { assertNamespace } from '../core/keys';
import type { CacheFeatureOptions, CacheModuleExtras } from './interfaces/cache-module-options.interface';
import { createMetricsController } from './metrics/metrics.controller';

/**
 * The Nest face of `@platform/cache`: one tiered cache per application (`forRoot` / `forRootAsync`),
 * namespaced caches for feature modules (`forFeature`), the `@Cacheable` / `@CachePut` / `@CacheEvict`
 * decorators on any provider, `CACHE_MANAGER` for code written for `@nestjs/cache-manager`, a terminus
 * health indicator, and the metrics at `/metrics`.
 *
 * @example
 * \@Module({ imports: [CacheModule.forRoot({ redis: { mode: 'standalone', url }, service: 'bid' })] })
 * export class AppModule {}
 */
@Module({})
export class CacheModule extends ConfigurableModuleClass {
  /** Configures the cache with static options. */
  static override forRoot(options: typeof CACHE_MODULE_OPTIONS_TYPE = {}): DynamicModule {
    return withCore(super.forRoot(options), options);
  }

  /** Configures the cache with options built by a factory (e.g. from `ConfigService`). */
  static override forRootAsync(options: typeof CACHE_MODULE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withCore(super.forRootAsync(options), options);
  }

  /**
   * Provides the namespaced cache `namespace` with its defaults (`ttl: { l1, l2, l3 }`, `softTtl`, `grace`),
   * injectable with `@InjectCache(namespace)`. Needs the root module to be global (the default).
   */
  static forFeature(options: CacheFeatureOptions | readonly CacheFeatureOptions[]): DynamicModule {
    const features = [options].flat() as CacheFeatureOptions[];
    for (const feature of features) {
      if (feature === null || typeof feature !== 'object') {
        throw new InvalidOptionError('CacheModule.forFeature: expected { namespace, ttl? }');
      }
      assertNamespace(feature.namespace);
    }
    const providers = features.map(createFeatureProvider);
    return {
      module: CacheModule,
      providers,
      exports: features.map((feature) => getCacheToken(feature.namespace)),
    };
  }
}

function withCore(definition: DynamicModule, extras: CacheModuleExtras): DynamicModule {
  const isGlobal = extras.isGlobal ?? DEFAULT_EXTRAS.isGlobal;
  const metricsPath = extras.metricsPath ?? DEFAULT_EXTRAS.metricsPath;
  return {
    ...definition,
    global: isGlobal,
    imports: [...(definition.imports ?? []), DiscoveryModule],
    providers: [...(definition.providers ?? []), ...createCacheProviders()],
    controllers: metricsPath === false ? [] : [createMetricsController(metricsPath)],
    exports: [...(definition.exports ?? []), ...CACHE_EXPORTS],
  };
}
