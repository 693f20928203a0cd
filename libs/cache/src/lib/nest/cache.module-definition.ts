import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CacheModuleExtras, CacheModuleOptions } from './interfaces/cache-module-options.interface';

/** Defaults of the module-definition extras. */
export const DEFAULT_EXTRAS: Required<CacheModuleExtras> = { isGlobal: true, metricsPath: '/metrics' };

/**
 * `forRoot` / `forRootAsync`, built by Nest's `ConfigurableModuleBuilder` (as `@nestjs/cache-manager` does).
 * `isGlobal` and `metricsPath` are extras: they shape the module definition, so they are known before the
 * (possibly async) options are.
 */
export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: CACHE_MODULE_OPTIONS,
  OPTIONS_TYPE: CACHE_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CACHE_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CacheModuleOptions>({ moduleName: 'PlatformCache' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createCacheOptions')
  .setExtras<CacheModuleExtras>(DEFAULT_EXTRAS)
  .build();
