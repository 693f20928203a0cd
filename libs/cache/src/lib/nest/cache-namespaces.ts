import { Inject, Injectable } from '@nestjs/common';
import type { Cache, EntryPolicy } from '../cache/cache.types';
import type { Duration } from '../core/duration';
import { assertNamespace } from '../core/keys';
import { CACHE_RESOURCES, type CacheResources } from './cache-resources';
import type { CacheNamespacePolicy } from './interfaces/cache-module-options.interface';

/**
 * The namespaces the module knows: those configured in `forRoot({ namespaces })`, registered by
 * `forFeature`, and used by decorated methods. It hands out one namespaced cache per namespace (with the
 * configured defaults) and is what makes tags global: a tag is invalidated in every known namespace.
 */
@Injectable()
export class CacheNamespaces {
  private readonly policies = new Map<string, CacheNamespacePolicy>();
  private readonly handles = new Map<string, Cache<unknown>>();

  constructor(@Inject(CACHE_RESOURCES) private readonly resources: CacheResources) {
    for (const [name, policy] of Object.entries(resources.options.namespaces ?? {})) {
      assertNamespace(name);
      this.policies.set(name, policy);
    }
  }

  /** Every known namespace. */
  get names(): readonly string[] {
    return [...this.policies.keys()];
  }

  /**
   * Registers a namespace (idempotent) with extra defaults layered over the `forRoot` ones; returns its cache.
   * The HTTP layer and other code that writes tagged entries in their own namespace register it here too.
   */
  register<T = unknown>(name: string, policy?: CacheNamespacePolicy): Cache<T> {
    assertNamespace(name);
    const known = this.policies.get(name);
    if (policy !== undefined || known === undefined) {
      this.policies.set(name, mergePolicy(known, policy));
      this.handles.delete(name);
    }
    return this.cache<T>(name);
  }

  /** The configured defaults of a namespace (e.g. its `ttl.l3`), if any. */
  policy(name: string): CacheNamespacePolicy | undefined {
    return this.policies.get(name);
  }

  /** The namespaced cache of `name`, with the defaults registered for it. */
  cache<T = unknown>(name: string): Cache<T> {
    let handle = this.handles.get(name);
    if (handle === undefined) {
      // forRoot's namespaces are already the engine's per-namespace defaults; forFeature adds its own on top.
      const extra = this.policies.get(name);
      const root = this.resources.options.namespaces?.[name];
      handle = this.resources.cache.namespace(name, extra === root ? undefined : toEntryPolicy(extra));
      this.handles.set(name, handle);
    }
    return handle as Cache<T>;
  }

  /**
   * The longest known namespace that `key` starts with (followed by `:`), else its first segment; `undefined`
   * when the key has no `:`.
   */
  namespaceOf(key: string): string | undefined {
    let best: string | undefined;
    for (const name of this.policies.keys()) {
      if (key.startsWith(`${name}:`) && (best === undefined || name.length > best.length)) best = name;
    }
    if (best !== undefined) return best;
    const colon = key.indexOf(':');
    return colon > 0 ? key.slice(0, colon) : undefined;
  }
}

function mergePolicy(
  base: CacheNamespacePolicy | undefined,
  extra: CacheNamespacePolicy | undefined,
): CacheNamespacePolicy {
  if (base === undefined) return extra ?? {};
  if (extra === undefined) return base;
  const ttl =
    typeof base.ttl === 'object' && typeof extra.ttl === 'object'
      ? { ...base.ttl, ...extra.ttl }
      : (extra.ttl ?? base.ttl);
  return { ...base, ...extra, ttl };
}

/** The engine's part of a namespace policy (`ttl.l3` is the HTTP layer's). */
export function toEntryPolicy(policy: CacheNamespacePolicy | undefined): EntryPolicy | undefined {
  if (policy === undefined) return undefined;
  const { ttl, ...rest } = policy;
  if (ttl === undefined || typeof ttl !== 'object') return { ...rest, ttl };
  const { l1, l2 } = ttl as { l1?: Duration; l2?: Duration };
  if (l1 === undefined && l2 === undefined) return rest;
  return { ...rest, ttl: { l1, l2 } };
}
