import type { LoaderTimeouts, TtlOption } from '../../cache/cache.types';
import type { Duration } from '../../core/duration';

/** What `@Cacheable` and `@CachePut` have in common. */
export interface CacheWriteOptions<R = unknown> {
  /**
   * Key template: literal text with `{param}` or `{param.nested.field}` placeholders read from the method's
   * arguments, e.g. `'bid:{id}'`, `'bids:buyer:{buyer.id}:active'`. Its first segment is the namespace
   * (`bid`), unless `namespace` is set or a longer configured namespace (`routing:geo`) matches.
   * A placeholder that names no parameter fails at startup.
   */
  readonly key: string;
  /** Namespace of the key; when set, `key` is relative to it (`{ namespace: 'bid', key: '{id}' }`). */
  readonly namespace?: string;
  /**
   * Parameter names, in order, when they cannot be read from the method's source (a method wrapped by
   * another decorator, say). `undefined` entries skip a parameter.
   */
  readonly params?: readonly (string | undefined)[];
  /** TTL per layer (`'5m'` or `{ l1: '30s', l2: '5m' }`); default: the namespace's, then the module's. */
  readonly ttl?: TtlOption;
  /**
   * Tags (templates like keys). Tags are global: `@CacheEvict({ tags: ['buyer:{buyerId}'] })` and
   * `CacheInvalidator.invalidateTags` drop every entry carrying the tag in any namespace the module knows.
   */
  readonly tags?: readonly string[];
  /** Stale-while-revalidate: after this age the value is served and refreshed once in the background. */
  readonly swr?: Duration | false;
  /** How long past its TTL a value may still be served when the method fails or L2 is down. */
  readonly grace?: Duration | false;
  /** Decides from the method's arguments whether the cache is used for this call at all. */
  condition?(...args: unknown[]): boolean;
  /** Decides from the method's result (and arguments) that this result is not stored. */
  unless?(result: R, ...args: unknown[]): boolean;
}

/** Options of `@Cacheable`. */
export interface CacheableOptions<R = unknown> extends CacheWriteOptions<R> {
  /** Loader timeouts: `soft` serves a stale value after this long, `hard` gives up. */
  readonly timeouts?: LoaderTimeouts;
  /** Cross-process coalescing through a Redis lease (default on with Redis). */
  readonly lease?: boolean;
}

/** Options of `@CachePut`. Placeholders may also read `{result…}`, the method's return value. */
export type CachePutOptions<R = unknown> = CacheWriteOptions<R>;

/** Options of `@CacheEvict`: at least one of `keys`, `tags` and `namespace`. */
export interface CacheEvictOptions {
  /**
   * Full keys to delete, as templates (`'bid:{id}'`). After invocation they may read `{result…}` too.
   */
  readonly keys?: readonly string[];
  /** Tags to invalidate (templates), in every namespace the module knows. */
  readonly tags?: readonly string[];
  /** Namespace(s) to clear entirely, e.g. `'bids'` drops every `bids:…` key. */
  readonly namespace?: string | readonly string[];
  /**
   * Evict before the method runs (and whatever it does). Default `false`: after it returned, and only if it
   * did not throw.
   */
  readonly beforeInvocation?: boolean;
  /** Parameter names when they cannot be read from the source (see `CacheWriteOptions.params`). */
  readonly params?: readonly (string | undefined)[];
  /** Decides from the method's arguments whether to evict for this call. */
  condition?(...args: unknown[]): boolean;
}
