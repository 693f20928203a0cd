import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { CacheInvalidator } from './cache-invalidator.service';
import { CacheNamespaces } from './cache-namespaces';
import { bindMethod, isBound, originalMethod, readCacheOperations } from './decorators/cache-operations';
import { compileCachedMethod } from './decorators/cached-method';
import { CacheNestMetrics } from './metrics/cache-nest.metrics';

/**
 * Finds every provider and controller method carrying `@Cacheable`, `@CachePut` or `@CacheEvict` when the
 * application starts, compiles its templates (an unknown placeholder stops the start with a message naming
 * `Class.method`) and binds the instance to this module's cache. Request-scoped and transient providers have
 * no instance at startup: their decorated methods run uncached, with a warning. Run by `CacheLifecycle` in
 * `onModuleInit`, before the cache connects, so a bad declaration stops the start before anything is opened.
 */
@Injectable()
export class CacheDecoratorsExplorer {
  private readonly logger = new Logger('PlatformCache');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly namespaces: CacheNamespaces,
    private readonly invalidator: CacheInvalidator,
    private readonly metrics: CacheNestMetrics,
  ) {}

  /** Compiles and binds every decorated method; throws on the first declaration that cannot work. */
  explore(): void {
    const context = {
      namespaces: this.namespaces,
      invalidator: this.invalidator,
      metrics: this.metrics,
      logger: this.logger,
    };
    let bound = 0;
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance = wrapper.instance as object | undefined;
      if (instance === null || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (prototype === null || prototype === Object.prototype) continue;
      const methods = this.decoratedMethods(prototype);
      if (methods.length === 0) continue;
      if (!isStatic(wrapper)) {
        this.logger.warn(
          `${instance.constructor.name} is request-scoped or transient: its cache decorators are ignored`,
        );
        continue;
      }
      if (isBound(instance)) continue;
      for (const name of methods) {
        const fn = (prototype as Record<string, unknown>)[name];
        const ops = readCacheOperations(fn);
        if (ops === undefined) continue;
        const site = {
          where: `${instance.constructor.name}.${name}`,
          original: originalMethod(fn as (...args: unknown[]) => unknown),
          returnType: Reflect.getMetadata('design:returntype', prototype, name),
        };
        bindMethod(instance, fn, compileCachedMethod(site, ops, context));
        bound++;
      }
    }
    if (bound > 0) this.logger.log(`Cache decorators active on ${bound} method(s)`);
  }

  private decoratedMethods(prototype: object): string[] {
    return this.scanner
      .getAllMethodNames(prototype)
      .filter((name) => readCacheOperations((prototype as Record<string, unknown>)[name]) !== undefined);
  }
}

function isStatic(wrapper: InstanceWrapper): boolean {
  return wrapper.isDependencyTreeStatic() && !wrapper.isTransient;
}
