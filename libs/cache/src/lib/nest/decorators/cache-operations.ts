import 'reflect-metadata';
import { CACHE_METADATA } from '../cache.constants';
import type {
  CacheEvictOptions,
  CacheableOptions,
  CachePutOptions,
} from '../interfaces/cache-decorator-options.interface';
import { CacheDecoratorError } from './cache-decorator.error';

/** The cache operations declared on one method, in the order they run. */
export interface CacheOperations {
  readonly cacheable?: CacheableOptions;
  readonly put: readonly CachePutOptions[];
  readonly evict: readonly CacheEvictOptions[];
}

/** What a decorated method's wrapper calls once the module has bound the instance. */
export interface BoundMethod {
  invoke(target: object, args: unknown[]): Promise<unknown>;
}

/** Where the module keeps the bound methods of an instance (a non-enumerable own property). */
export const CACHE_BINDINGS: unique symbol = Symbol('platform.cache.bindings');
/** Metadata key of the undecorated method, on the wrapper. */
const ORIGINAL = 'platform.cache:original';

type AnyMethod = (this: unknown, ...args: unknown[]) => unknown;
/** Keyed by wrapper, not by name: a subclass method calling `super.method()` must not run its own binding. */
type Bindings = Map<AnyMethod, BoundMethod>;

/**
 * Records one cache operation on a method and, the first time, replaces the method by a wrapper. The wrapper
 * is installed when the class is declared, so it is what Nest's HTTP router and microservice (gRPC, Kafka)
 * listeners capture; until the module binds the instance at startup it simply calls the method.
 */
export function addCacheOperation(
  target: object,
  propertyKey: string | symbol,
  descriptor: PropertyDescriptor,
  kind: 'cacheable' | 'put' | 'evict',
  options: CacheableOptions | CachePutOptions | CacheEvictOptions,
): PropertyDescriptor {
  const where = `${target.constructor?.name ?? 'anonymous'}.${String(propertyKey)}`;
  const current = descriptor.value as AnyMethod | undefined;
  if (typeof current !== 'function') {
    throw new CacheDecoratorError(`${where}: cache decorators go on methods`);
  }
  const wrapper = isWrapper(current) ? current : wrap(current);
  if (kind === 'cacheable') {
    if (Reflect.getOwnMetadata(CACHE_METADATA.cacheable, wrapper) !== undefined) {
      throw new CacheDecoratorError(`${where}: @Cacheable is declared twice`);
    }
    Reflect.defineMetadata(CACHE_METADATA.cacheable, options, wrapper);
  } else {
    const key = kind === 'put' ? CACHE_METADATA.put : CACHE_METADATA.evict;
    // Decorators apply bottom-up: prepend, so the list reads in source order.
    Reflect.defineMetadata(key, [options, ...(Reflect.getOwnMetadata(key, wrapper) ?? [])], wrapper);
  }
  descriptor.value = wrapper;
  return descriptor;
}

/** The operations declared on `fn`, or `undefined` when it carries none. */
export function readCacheOperations(fn: unknown): CacheOperations | undefined {
  if (typeof fn !== 'function' || !isWrapper(fn as AnyMethod)) return undefined;
  return {
    cacheable: Reflect.getOwnMetadata(CACHE_METADATA.cacheable, fn),
    put: Reflect.getOwnMetadata(CACHE_METADATA.put, fn) ?? [],
    evict: Reflect.getOwnMetadata(CACHE_METADATA.evict, fn) ?? [],
  };
}

/** The method a wrapper stands for (parameter names are read from it). */
export function originalMethod(fn: AnyMethod): AnyMethod {
  return (Reflect.getOwnMetadata(ORIGINAL, fn) as AnyMethod | undefined) ?? fn;
}

/** Binds the method `wrapper` of `instance` to its compiled operations (called by the module at startup). */
export function bindMethod(instance: object, wrapper: unknown, method: BoundMethod): void {
  let bindings = (instance as { [CACHE_BINDINGS]?: Bindings })[CACHE_BINDINGS];
  if (bindings === undefined || !Object.prototype.hasOwnProperty.call(instance, CACHE_BINDINGS)) {
    bindings = new Map();
    Object.defineProperty(instance, CACHE_BINDINGS, { value: bindings, enumerable: false });
  }
  bindings.set(wrapper as AnyMethod, method);
}

/** Whether `instance` already has bindings (an instance reached through two providers is bound once). */
export function isBound(instance: object): boolean {
  return Object.prototype.hasOwnProperty.call(instance, CACHE_BINDINGS);
}

function isWrapper(fn: AnyMethod): boolean {
  return Reflect.hasOwnMetadata(ORIGINAL, fn);
}

function wrap(original: AnyMethod): AnyMethod {
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const bound =
      this !== null && typeof this === 'object'
        ? (this as { [CACHE_BINDINGS]?: Bindings })[CACHE_BINDINGS]?.get(wrapper)
        : undefined;
    return bound === undefined ? original.apply(this, args) : bound.invoke(this as object, args);
  };
  // Keep what other decorators recorded on the method (route, gRPC and pattern metadata live there).
  for (const key of Reflect.getOwnMetadataKeys(original)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), wrapper);
  }
  Reflect.defineMetadata(ORIGINAL, original, wrapper);
  Object.defineProperty(wrapper, 'name', { value: original.name });
  return wrapper;
}
