import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { toMs } from '../core/duration';
import { InvalidOptionError } from '../core/errors';
import { EDGE_PURGER } from './cache.constants';
import { CacheNamespaces } from './cache-namespaces';
import { CACHE_RESOURCES, type CacheResources } from './cache-resources';
import type { EdgePurger } from './edge/edge-purger';
import { CacheNestMetrics } from './metrics/cache-nest.metrics';

/** What to invalidate: full keys, tags, whole namespaces. */
export interface InvalidationTarget {
  /** Full keys, e.g. `'bid:42'` (the same entry as `cache.namespace('bid')` key `'42'`). */
  readonly keys?: readonly string[];
  /** Tags, dropped in every namespace the module knows (see {@link CacheNamespaces}). */
  readonly tags?: readonly string[];
  /** Namespaces to clear, e.g. `'bids'` (every `bids:…` key). */
  readonly namespaces?: readonly string[];
}

/** What an invalidation did, per kind (counts as the engine reports them: entries found in L2, or in L1). */
export interface InvalidationResult {
  readonly keys: number;
  readonly tags: number;
  readonly namespaces: number;
}

/**
 * One path for every invalidation — `@CacheEvict`, Kafka listeners, admin endpoints: it deletes keys,
 * invalidates tags and clears namespaces in L1, L2 and every instance's L1 (through the engine), then purges
 * the L3 edge by surrogate key (each key, tag and namespace name).
 *
 * Engine failures reject (with the engine's error, e.g. `E_L2_UNAVAILABLE` once L1 everywhere has been
 * evicted) so a caller such as a Kafka consumer can retry; edge purge failures are logged and counted
 * (`cache_edge_purges_total{outcome="error"}`), never thrown.
 */
@Injectable()
export class CacheInvalidator implements OnModuleDestroy {
  private readonly logger = new Logger('PlatformCache');
  private readonly awaitPurge: boolean;
  /** Delay of the second purge (see `CacheEdgeOptions.repurgeAfter`); 0 when off. */
  private readonly repurgeMs: number;
  /** Surrogate keys waiting for their second purge, and the timer that sends them in one request. */
  private readonly repurge = new Set<string>();
  private repurgeTimer?: NodeJS.Timeout;

  constructor(
    @Inject(CACHE_RESOURCES) private readonly resources: CacheResources,
    private readonly namespaces: CacheNamespaces,
    private readonly metrics: CacheNestMetrics,
    @Inject(EDGE_PURGER) private readonly purger: EdgePurger | null,
  ) {
    const edge = resources.options.edge;
    this.awaitPurge = edge?.awaitPurge !== false;
    const repurge = edge?.repurgeAfter ?? '2s';
    this.repurgeMs = repurge === false ? 0 : toMs(repurge, 'edge.repurgeAfter', true);
  }

  /** Sends the pending second purges now rather than dropping them. */
  async onModuleDestroy(): Promise<void> {
    await this.flushRepurge();
  }

  /** Deletes full keys everywhere, then purges them at the edge. */
  async delete(...keys: string[]): Promise<number> {
    return (await this.invalidate({ keys })).keys;
  }

  /** Invalidates tags in every known namespace, then purges them at the edge. */
  async invalidateTags(tags: readonly string[]): Promise<number> {
    return (await this.invalidate({ tags })).tags;
  }

  /** Clears whole namespaces everywhere, then purges them at the edge. */
  async clear(...namespaces: string[]): Promise<number> {
    return (await this.invalidate({ namespaces })).namespaces;
  }

  /** Applies everything in `target`, then purges the edge; see the class comment for failures. */
  async invalidate(target: InvalidationTarget): Promise<InvalidationResult> {
    const keys = list(target.keys, 'keys');
    const tags = list(target.tags, 'tags');
    const namespaces = list(target.namespaces, 'namespaces');
    const root = this.resources.cache;
    const outcomes = await Promise.allSettled([
      keys.length > 0 ? root.deleteMany(keys) : 0,
      // A key is also a root tag: the HTTP layer tags a cached response with the entity keys it shows
      // (`Surrogate-Key: bid:42`), so deleting `bid:42` must drop those responses too, not only the entry.
      tags.length + keys.length > 0
        ? root.invalidateTags([...new Set([...this.scopedTags(tags), ...keys])])
        : 0,
      Promise.all(namespaces.map((namespace) => root.clear(namespace))).then((counts) =>
        counts.reduce((sum, count) => sum + count, 0),
      ),
    ]);
    const surrogateKeys = [...keys, ...tags, ...namespaces];
    const purge = this.purgeEdge(surrogateKeys);
    this.scheduleRepurge(surrogateKeys);
    if (this.awaitPurge) await purge;
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    const [k, t, n] = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<number>).value);
    return { keys: k, tags: t, namespaces: n };
  }

  /**
   * The engine scopes tags to the namespace that wrote them (`bid` + `buyer:7` is stored as `bid:buyer:7`);
   * the Nest layer's tags are global, so a tag is invalidated at the root and in every known namespace.
   */
  private scopedTags(tags: readonly string[]): string[] {
    const names = this.namespaces.names;
    const scoped = new Set<string>(tags);
    for (const tag of tags) for (const name of names) scoped.add(`${name}:${tag}`);
    return [...scoped];
  }

  private scheduleRepurge(surrogateKeys: readonly string[]): void {
    if (this.purger === null || this.repurgeMs === 0 || surrogateKeys.length === 0) return;
    for (const key of surrogateKeys) this.repurge.add(key);
    if (this.repurgeTimer !== undefined) return;
    this.repurgeTimer = setTimeout(() => void this.flushRepurge(), this.repurgeMs);
    this.repurgeTimer.unref();
  }

  private async flushRepurge(): Promise<void> {
    clearTimeout(this.repurgeTimer);
    this.repurgeTimer = undefined;
    if (this.repurge.size === 0) return;
    const keys = [...this.repurge];
    this.repurge.clear();
    await this.purgeEdge(keys);
  }

  /** Purges surrogate keys at the edge; logs and counts failures, never rejects. */
  private async purgeEdge(surrogateKeys: readonly string[]): Promise<void> {
    const purger = this.purger;
    if (purger === null || surrogateKeys.length === 0) return;
    const unique = [...new Set(surrogateKeys)];
    try {
      await purger.purgeSurrogateKeys(unique);
      this.metrics.edgePurge(purger.name, 'ok');
    } catch (error) {
      this.metrics.edgePurge(purger.name, 'error');
      this.logger.error(
        `Edge purge through ${purger.name} failed for ${unique.length} surrogate key(s): ${message(error)}`,
      );
    }
  }
}

function list(value: readonly string[] | undefined, field: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item.length === 0)) {
    throw new InvalidOptionError(`${field}: expected an array of non-empty strings`);
  }
  return value;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
