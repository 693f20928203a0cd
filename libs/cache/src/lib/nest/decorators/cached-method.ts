import type { Logger } from '@nestjs/common';
import type { Cache, GetOrSetOptions, SetOptions } from '../../cache/cache.types';
import { DEFAULT_POLICY, resolvePolicy } from '../../cache/policy';
import { CacheError, LoaderFailedError, LoaderTimeoutError } from '../../core/errors';
import { assertNamespace } from '../../core/keys';
import type { CacheInvalidator } from '../cache-invalidator.service';
import type { CacheNamespaces } from '../cache-namespaces';
import type {
  CacheEvictOptions,
  CacheWriteOptions,
  CacheableOptions,
} from '../interfaces/cache-decorator-options.interface';
import type { CacheNestMetrics } from '../metrics/cache-nest.metrics';
import { CacheDecoratorError } from './cache-decorator.error';
import type { BoundMethod, CacheOperations } from './cache-operations';
import { compileTemplate, type CompiledTemplate, type RenderResult } from './key-template';
import { parameterNames, type ParameterName } from './parameter-names';

/** What compiled methods need from the module. */
export interface CachedMethodContext {
  readonly namespaces: CacheNamespaces;
  readonly invalidator: CacheInvalidator;
  readonly metrics: CacheNestMetrics;
  readonly logger: Logger;
}

/** The method being compiled. */
export interface MethodSite {
  /** `Class.method`, for messages. */
  readonly where: string;
  /** The undecorated method. */
  readonly original: (this: unknown, ...args: unknown[]) => unknown;
  /** `design:returntype` metadata, when the compiler emitted it. */
  readonly returnType: unknown;
}

type Method = MethodSite['original'];

/**
 * Compiles the cache operations of one method: key and tag templates against its parameters, namespaces,
 * policies. Everything that can be wrong with a declaration throws {@link CacheDecoratorError} here, at
 * startup.
 */
export function compileCachedMethod(
  site: MethodSite,
  ops: CacheOperations,
  context: CachedMethodContext,
): BoundMethod {
  const { where } = site;
  if (ops.cacheable !== undefined && ops.put.length > 0) {
    throw new CacheDecoratorError(`${where}: @Cacheable and @CachePut cannot be combined (put always runs)`);
  }
  if (!returnsPromise(site)) {
    throw new CacheDecoratorError(
      `${where}: cache decorators need an async method (or one declared to return a Promise), since a cache ` +
        `lookup is asynchronous`,
    );
  }
  const parsed = parameterNames(site.original as (...args: never[]) => unknown) ?? [];
  const cacheable =
    ops.cacheable === undefined ? undefined : new CacheableStep(site, ops.cacheable, parsed, context);
  const puts = ops.put.map((options) => new PutStep(site, options, parsed, context));
  const evictBefore = ops.evict
    .filter((options) => options.beforeInvocation === true)
    .map((options) => new EvictStep(site, options, parsed, context, false));
  const evictAfter = ops.evict
    .filter((options) => options.beforeInvocation !== true)
    .map((options) => new EvictStep(site, options, parsed, context, true));
  const original = site.original;

  return {
    async invoke(target: object, args: unknown[]): Promise<unknown> {
      for (const step of evictBefore) await step.run(args, undefined);
      const result =
        cacheable !== undefined ? await cacheable.run(target, args) : await original.apply(target, args);
      for (const step of puts) await step.run(args, result);
      for (const step of evictAfter) await step.run(args, result);
      return result;
    },
  };
}

function returnsPromise(site: MethodSite): boolean {
  return site.original.constructor?.name === 'AsyncFunction' || site.returnType === Promise;
}

/** Parameters from an explicit `params` list, else from the source. */
function paramsOf(explicit: readonly (string | undefined)[] | undefined, parsed: ParameterName[]) {
  if (explicit === undefined) return parsed;
  return explicit.flatMap((name, index): ParameterName[] =>
    name === undefined ? [] : [{ kind: 'name', name, index }],
  );
}

/** Checks the policy options once, so a bad TTL fails at startup and not on the first call. */
function checkPolicy(where: string, options: SetOptions): void {
  try {
    resolvePolicy(DEFAULT_POLICY, options);
  } catch (error) {
    throw new CacheDecoratorError(`${where}: ${(error as Error).message}`);
  }
}

const skipped = (rendered: RenderResult) => ('skip' in rendered ? rendered.skip : undefined);

/** Key and tags of a write (`@Cacheable`, `@CachePut`), resolved to a namespace. */
abstract class WriteStep {
  protected readonly where: string;
  protected readonly namespace: string;
  protected readonly cache: Cache<unknown>;
  protected readonly key: CompiledTemplate;
  /** Length of the `namespace:` the template starts with (0 with an explicit `namespace`). */
  private readonly keyOffset: number;
  protected readonly tags: readonly CompiledTemplate[];
  protected readonly policy: SetOptions;

  constructor(
    site: MethodSite,
    protected readonly options: CacheWriteOptions,
    parsed: ParameterName[],
    protected readonly context: CachedMethodContext,
    decorator: string,
    allowResult: boolean,
  ) {
    this.where = `${decorator} on ${site.where}`;
    const scope = { params: paramsOf(options.params, parsed), allowResult, where: this.where };
    const { namespace, offset } = this.resolveNamespace(options);
    this.namespace = namespace;
    this.key = compileTemplate(options.key, scope);
    this.keyOffset = offset;
    this.tags = (options.tags ?? []).map((tag) => compileTemplate(tag, scope));
    this.policy = { ttl: options.ttl, softTtl: options.swr, grace: options.grace };
    checkPolicy(this.where, this.policy);
    this.cache = context.namespaces.register(namespace);
  }

  /**
   * The namespace rule: an explicit `namespace` (the key is then relative to it); else the longest configured
   * namespace the key's literal start matches (`routing:geo` for `routing:geo:{state}`); else the key's first
   * segment (`bid` for `bid:{id}`). So `'bid:{id}'` is the entry `cache.namespace('bid')` sees as `'42'`.
   */
  private resolveNamespace(options: CacheWriteOptions): { namespace: string; offset: number } {
    if (options.namespace !== undefined) {
      this.assertNamespace(options.namespace);
      return { namespace: options.namespace, offset: 0 };
    }
    const brace = options.key.indexOf('{');
    const literal = brace === -1 ? options.key : options.key.slice(0, brace);
    const namespace = this.context.namespaces.namespaceOf(literal);
    if (namespace === undefined || options.key.length <= namespace.length + 1) {
      throw new CacheDecoratorError(
        `${this.where}: key "${options.key}" needs a literal namespace before its first placeholder ` +
          `(e.g. 'bid:{id}'), or a \`namespace\` option`,
      );
    }
    this.assertNamespace(namespace);
    return { namespace, offset: namespace.length + 1 };
  }

  private assertNamespace(namespace: string): void {
    try {
      assertNamespace(namespace);
    } catch (error) {
      throw new CacheDecoratorError(`${this.where}: ${(error as Error).message}`);
    }
  }

  /** Key and tags for one call, or `undefined` (logged at debug) when a placeholder has no usable value. */
  protected render(args: readonly unknown[], result?: unknown): { key: string; tags?: string[] } | undefined {
    const key = this.key.render(args, result);
    const keySkip = skipped(key);
    if (keySkip !== undefined) return this.skip(keySkip.placeholder, keySkip.reason);
    const tags: string[] = [];
    for (const template of this.tags) {
      const tag = template.render(args, result);
      const tagSkip = skipped(tag);
      if (tagSkip !== undefined) return this.skip(tagSkip.placeholder, tagSkip.reason);
      tags.push((tag as { key: string }).key);
    }
    return {
      key: (key as { key: string }).key.slice(this.keyOffset),
      tags: tags.length > 0 ? tags : undefined,
    };
  }

  private skip(placeholder: string, reason: string): undefined {
    this.context.logger.debug(`${this.where}: call not cached, ${placeholder} is ${reason}`);
    return undefined;
  }

  protected failed(op: 'cacheable' | 'put', error: unknown, action: string): void {
    this.context.metrics.decoratorError(op, this.namespace);
    this.context.logger.warn(`${this.where}: cache failure (${describe(error)}); ${action}`);
  }

  protected applies(args: unknown[]): boolean {
    return this.options.condition === undefined || this.options.condition(...args) === true;
  }
}

/** `@Cacheable`: read-through with the engine's `getOrSet`. */
class CacheableStep extends WriteStep {
  private readonly getOrSetOptions: Omit<GetOrSetOptions, 'tags'>;
  private readonly method: Method;

  constructor(
    site: MethodSite,
    options: CacheableOptions,
    parsed: ParameterName[],
    context: CachedMethodContext,
  ) {
    super(site, options, parsed, context, '@Cacheable', false);
    this.method = site.original;
    this.getOrSetOptions = { ...this.policy, timeouts: options.timeouts, lease: options.lease };
    checkPolicy(this.where, this.getOrSetOptions);
  }

  async run(target: object, args: unknown[]): Promise<unknown> {
    const original = (): Promise<unknown> => Promise.resolve(this.method.apply(target, args));
    if (!this.applies(args)) return original();
    const rendered = this.render(args);
    if (rendered === undefined) return original();

    // What this call's own load did, if the engine ran it (it may instead join another caller's load).
    const own: { state: 'none' | 'ok' | 'failed'; value?: unknown; error?: unknown } = { state: 'none' };
    const unless = this.options.unless;
    const loader = async () => {
      try {
        own.value = await original();
        own.state = 'ok';
      } catch (error) {
        own.state = 'failed';
        own.error = error;
        throw error;
      }
      // `undefined` is never stored by the engine: that is how a result `unless` rejects stays out.
      return unless !== undefined && unless(own.value, ...args) === true ? undefined : own.value;
    };

    let value: unknown;
    try {
      value = await this.cache.getOrSet(rendered.key, loader, {
        ...this.getOrSetOptions,
        tags: rendered.tags,
      });
    } catch (error) {
      if (own.state === 'failed') throw own.error; // the method's own error, unwrapped
      if (error instanceof LoaderFailedError) throw error.cause; // joined a load that failed the same way
      if (error instanceof LoaderTimeoutError) throw error; // the hard timeout the method was given
      if (own.state === 'ok') return own.value; // stored or not, the method answered
      this.failed('cacheable', error, 'calling the method without the cache');
      return original();
    }
    if (value !== undefined) return value;
    if (own.state === 'ok') return own.value;
    // Joined another caller's load whose result was not stored (`unless`, or `undefined`): run it ourselves.
    return original();
  }
}

/** `@CachePut`: store the method's result. */
class PutStep extends WriteStep {
  constructor(
    site: MethodSite,
    options: CacheWriteOptions,
    parsed: ParameterName[],
    context: CachedMethodContext,
  ) {
    super(site, options, parsed, context, '@CachePut', true);
  }

  async run(args: unknown[], result: unknown): Promise<void> {
    if (result === undefined || !this.applies(args)) return;
    if (this.options.unless !== undefined && this.options.unless(result, ...args) === true) return;
    const rendered = this.render(args, result);
    if (rendered === undefined) return;
    try {
      await this.cache.set(rendered.key, result, { ...this.policy, tags: rendered.tags });
    } catch (error) {
      this.failed('put', error, 'the result was returned but not stored');
    }
  }
}

/** `@CacheEvict`: invalidate through the {@link CacheInvalidator}. */
class EvictStep {
  private readonly where: string;
  private readonly keys: readonly CompiledTemplate[];
  private readonly tags: readonly CompiledTemplate[];
  private readonly namespaceList: readonly string[];
  private readonly label: string;

  constructor(
    site: MethodSite,
    private readonly options: CacheEvictOptions,
    parsed: ParameterName[],
    private readonly context: CachedMethodContext,
    afterInvocation: boolean,
  ) {
    this.where = `@CacheEvict on ${site.where}`;
    const scope = {
      params: paramsOf(options.params, parsed),
      allowResult: afterInvocation,
      where: this.where,
    };
    this.keys = (options.keys ?? []).map((key) => compileTemplate(key, scope));
    this.tags = (options.tags ?? []).map((tag) => compileTemplate(tag, scope));
    this.namespaceList = options.namespace === undefined ? [] : [options.namespace].flat();
    for (const namespace of this.namespaceList) {
      try {
        assertNamespace(namespace);
      } catch (error) {
        throw new CacheDecoratorError(`${this.where}: ${(error as Error).message}`);
      }
    }
    const first = this.keys[0]?.literalPrefix;
    this.label =
      this.namespaceList[0] ??
      (first !== undefined ? context.namespaces.namespaceOf(first) : undefined) ??
      '';
  }

  async run(args: unknown[], result: unknown): Promise<void> {
    if (this.options.condition !== undefined && this.options.condition(...args) !== true) return;
    const keys = this.renderAll(this.keys, args, result);
    const tags = this.renderAll(this.tags, args, result);
    try {
      await this.context.invalidator.invalidate({ keys, tags, namespaces: this.namespaceList });
    } catch (error) {
      this.context.metrics.decoratorError('evict', this.label);
      this.context.logger.warn(`${this.where}: invalidation failed (${describe(error)}); the call goes on`);
    }
  }

  /** Rendered templates; one that cannot be rendered is skipped with a warning (its entry may stay stale). */
  private renderAll(templates: readonly CompiledTemplate[], args: unknown[], result: unknown): string[] {
    const out: string[] = [];
    for (const template of templates) {
      const rendered = template.render(args, result);
      if ('key' in rendered) {
        out.push(rendered.key);
      } else {
        this.context.logger.warn(
          `${this.where}: "${template.source}" not evicted, ${rendered.skip.placeholder} is ${rendered.skip.reason}`,
        );
      }
    }
    return out;
  }
}

function describe(error: unknown): string {
  if (error instanceof CacheError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
