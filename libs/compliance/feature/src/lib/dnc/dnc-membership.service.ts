import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Cache, CacheEvents, RedisConnection, TieredCache } from '@platform/cache';
import { CACHE_INSTANCE, InjectCache } from '@platform/cache/nest';
import { DncSyncRepository } from '@platform/compliance-data-access';
import type { ServiceConfig } from '@platform/config';
import { REDIS_CLUSTER_CONNECTION, REDIS_CONNECTION, SERVICE_CONFIG } from '@platform/service-kit';
import type { EntityManager } from 'typeorm';
import {
  COMPLIANCE_CACHE_NAMESPACE,
  ComplianceCacheKeys,
  inComplianceNamespace,
} from '../cache/compliance-cache.keys';
import { BloomFilter } from './bloom-filter';

/** The filter is sized for the list plus this share of growth (API adds until the next import). */
const HEADROOM = 1.25;
/** The smallest capacity a filter is sized for. */
const MIN_CAPACITY = 100_000;
/** False-positive rate at capacity: a "maybe" for a non-member costs one exact read (then cached). */
const FALSE_POSITIVE_RATE = 0.01;
/** Hashes read per page while building. */
const PAGE = 50_000;
/** How long a superseded generation's filter stays in Redis for instances still loading it. */
const SUPERSEDED_TTL_SECONDS = 3600;
/** Blob layout: the scan horizon (epoch ms, float64), then the filter. */
const HORIZON_BYTES = 8;

/** A membership filter and the instant its scan started from (entries added since are caught up). */
export interface BuiltDncFilter {
  filter: BloomFilter;
  horizon: Date;
}

/** What this instance's membership filter is, for health checks and tests. */
export interface DncMembershipStatus {
  generation: number | null;
  /** Whether checks answer "not listed" from the filter (false while it is loaded or reloaded). */
  trusted: boolean;
  bytes: number;
}

const HASH = /^[a-f0-9]{64}$/;

/**
 * The hot path's DNC membership structure: a Bloom filter of every listed phone hash, kept in this
 * process (L1) and in Redis (one serialised blob per list generation, `compliance:dnc-filter:g{n}`).
 * `mayBeListed` answers "no" from memory for a number that is certainly not listed; a "maybe" goes to the
 * exact `compliance:dnc:{phoneHash}` read-through. Until a filter is loaded (startup, a new generation,
 * lost bus messages) it answers "maybe", so checks fall back to the exact read and never block.
 *
 * Staying complete: single adds set their bits on the writing instance (`noteListed`) and, through the
 * eviction of `compliance:dnc:{hash}` that every write sends over the cache bus, on every other one; a
 * loaded filter catches up on the entries added since its scan started (indexed on `added_at`). Removals
 * cannot clear bits: a removed number reads "maybe" and the exact read says not listed.
 *
 * Switching: an import publishes a new generation, whose event evicts `compliance:dnc-filter` (the cached
 * generation) on every instance; each then distrusts its filter, reads the new generation through the
 * cache and loads that generation's blob from Redis (or builds it from Postgres when absent).
 */
@Injectable()
export class DncMembership implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DncMembership.name);
  private current?: { generation: number; filter: BloomFilter; horizon: Date };
  private trusted = false;
  private refreshing?: Promise<void>;
  private again = false;
  /** Hashes heard while a filter loads, added to it before it is installed. */
  private heard?: string[];
  private readonly redis: RedisConnection;
  private readonly pointerKey: string;
  private readonly dncKeyPrefix: string;
  private readonly listeners: { [E in keyof CacheEvents]?: (payload: CacheEvents[E]) => void } = {};

  constructor(
    private readonly sync: DncSyncRepository,
    @InjectCache(COMPLIANCE_CACHE_NAMESPACE.namespace) private readonly cache: Cache<unknown>,
    @Inject(CACHE_INSTANCE) private readonly root: TieredCache,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(REDIS_CONNECTION) standalone: RedisConnection,
    @Inject(REDIS_CLUSTER_CONNECTION) cluster: RedisConnection | null,
  ) {
    this.redis = config.cache.l2 === 'cluster' && cluster ? cluster : standalone;
    this.pointerKey = config.cache.prefix + ComplianceCacheKeys.dncFilter();
    this.dncKeyPrefix = `${config.cache.prefix}${ComplianceCacheKeys.dncNamespace}:`;
  }

  /** Starts loading the filter in the background and follows the cache's invalidations. */
  onApplicationBootstrap(): void {
    if (!this.root.enabled) return; // cache off: every DNC answer is the exact read
    this.listen('bus:received', ({ ops }) => {
      for (const op of ops) {
        if (op.type === 'keys') op.keys.forEach((key) => this.keyChanged(key));
        else if (op.type === 'all' || (op.type === 'prefix' && this.pointerKey.startsWith(op.prefix))) {
          this.distrust();
        }
      }
    });
    this.listen('delete', ({ key }) => this.keyChanged(key));
    this.listen('cleared', ({ prefix }) => {
      if (this.pointerKey.startsWith(prefix)) this.distrust();
    });
    // The bus lost messages: adds may be missing from the filter until it catches up again.
    this.listen('bus:resync', () => this.distrust());
    void this.refresh();
  }

  onModuleDestroy(): void {
    for (const [event, listener] of Object.entries(this.listeners)) {
      this.root.off(event as keyof CacheEvents, listener as never);
    }
  }

  /** False when the hash is certainly not on the list (answer without any read); true when it may be. */
  mayBeListed(phoneHash: string): boolean {
    return !this.trusted || this.current === undefined || this.current.filter.mightContain(phoneHash);
  }

  /** A hash was just listed (or its entry changed): its bits are set here at once. */
  noteListed(phoneHash: string): void {
    this.current?.filter.add(phoneHash);
    this.heard?.push(phoneHash);
  }

  /** Where this instance's filter stands. */
  status(): DncMembershipStatus {
    return {
      generation: this.current?.generation ?? null,
      trusted: this.trusted,
      bytes: this.current?.filter.byteLength ?? 0,
    };
  }

  /**
   * Brings the filter up to the current generation (coalesced: a call during a refresh runs one more
   * pass after it). Resolves when done; failures are logged and leave the filter distrusted.
   */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        try {
          await this.load();
        } catch (error) {
          this.trusted = false;
          this.logger.warn(
            { err: (error as Error).message },
            'DNC membership filter not loaded; checks read the list',
          );
        }
      } while (this.again);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * Builds the filter of the whole list from Postgres (keyset pages over the primary key), in `manager`'s
   * transaction when given. Entries added after the scan's horizon may be missed; loaders catch them up.
   */
  async build(manager?: EntityManager): Promise<BuiltDncFilter> {
    const horizon = await this.sync.scanHorizon(manager);
    const count = await this.sync.count(manager);
    const filter = BloomFilter.forCapacity({
      capacity: Math.max(MIN_CAPACITY, count * HEADROOM),
      falsePositiveRate: FALSE_POSITIVE_RATE,
    });
    let after = '';
    for (;;) {
      const hashes = await this.sync.hashesAfter(after, PAGE, manager);
      for (const hash of hashes) filter.add(hash);
      if (hashes.length < PAGE) break;
      after = hashes[hashes.length - 1];
    }
    return { filter, horizon };
  }

  /** Stores a generation's filter in Redis and lets the previous generation's expire. */
  async store(generation: number, built: BuiltDncFilter): Promise<void> {
    const blob = Buffer.concat([Buffer.alloc(HORIZON_BYTES), built.filter.toBytes()]);
    blob.writeDoubleBE(built.horizon.getTime(), 0);
    await this.redis.set(this.blobKey(generation), blob);
    if (generation > 0) await this.redis.expire(this.blobKey(generation - 1), SUPERSEDED_TTL_SECONDS);
  }

  private async load(): Promise<void> {
    const generation = (await this.cache.getOrSet(
      inComplianceNamespace(ComplianceCacheKeys.dncFilter()),
      () => this.sync.generation(),
    )) as number;
    const current = this.current;
    if (current !== undefined && current.generation === generation) {
      // Same generation: catch up on what may have been missed, trust again.
      for (const hash of await this.sync.hashesAddedSince(current.horizon)) current.filter.add(hash);
      this.trusted = true;
      return;
    }
    this.heard = [];
    try {
      const built = (await this.fetch(generation)) ?? (await this.buildAndStore(generation));
      for (const hash of await this.sync.hashesAddedSince(built.horizon)) built.filter.add(hash);
      for (const hash of this.heard) built.filter.add(hash);
      this.current = { generation, filter: built.filter, horizon: built.horizon };
      this.trusted = true;
      this.logger.log({ generation, bytes: built.filter.byteLength }, 'DNC membership filter loaded');
    } finally {
      this.heard = undefined;
    }
  }

  /** The generation's filter from Redis, or undefined when absent, unreadable or Redis is down. */
  private async fetch(generation: number): Promise<BuiltDncFilter | undefined> {
    try {
      const blob = await this.redis.getBuffer(this.blobKey(generation));
      if (blob === null) return undefined;
      return {
        horizon: new Date(blob.readDoubleBE(0)),
        filter: BloomFilter.fromBytes(blob.subarray(HORIZON_BYTES)),
      };
    } catch (error) {
      this.logger.warn({ err: (error as Error).message, generation }, 'DNC filter not read from Redis');
      return undefined;
    }
  }

  private async buildAndStore(generation: number): Promise<BuiltDncFilter> {
    const built = await this.build();
    try {
      await this.store(generation, built);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message, generation }, 'DNC filter not stored in Redis');
    }
    return built;
  }

  private blobKey(generation: number): string {
    return this.config.cache.prefix + ComplianceCacheKeys.dncFilterBlob(generation);
  }

  /** A full cache key was written or evicted here or on another instance. */
  private keyChanged(fullKey: string): void {
    if (fullKey === this.pointerKey) {
      this.distrust();
    } else if (fullKey.startsWith(this.dncKeyPrefix)) {
      const hash = fullKey.slice(this.dncKeyPrefix.length);
      if (HASH.test(hash)) this.noteListed(hash);
    }
  }

  private distrust(): void {
    this.trusted = false;
    void this.refresh();
  }

  private listen<E extends keyof CacheEvents>(event: E, listener: (payload: CacheEvents[E]) => void): void {
    (this.listeners as Record<string, unknown>)[event] = listener;
    this.root.on(event, listener);
  }
}
