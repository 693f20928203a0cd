import type { InvalidationOp } from '../bus/bus';
import type { CircuitBreaker } from '../core/circuit-breaker';
import type { HeadMatch } from '../core/driver';
import { CacheClosedError } from '../core/errors';
import { TypedEmitter } from '../core/typed-emitter';
import type { MetricsSink } from '../metrics/metrics-sink';
import type { CacheEvents } from './cache.types';
import type { CacheCoreParts, CoreContext } from './core-context';
import { L1Tier } from './l1-tier';
import { L2Guard } from './l2-guard';
import { Loader } from './loader';
import { MutationLog } from './mutation-log';
import { ReadPath } from './read-path';
import { RecentFills } from './recent-fills';
import { UnsettledInvalidations } from './unsettled-invalidations';
import { WritePath } from './write-path';

export type { CacheCoreParts } from './core-context';
export { MISS } from './read-path';

/**
 * The shared machinery behind every namespace of one cache: it owns the tiers, the bus and the lifecycle, and
 * hands the work to its {@link reads}, {@link writes} and {@link loader}. Those take full keys (prefix and
 * namespace applied); the namespaced facade validates input first.
 */
export class CacheCore implements CoreContext {
  readonly events = new TypedEmitter<CacheEvents>();
  readonly prefix: string;
  readonly maxKeyLength: number;
  /** `false`: the cache-off switch ({@link CacheCoreParts.enabled}). */
  readonly enabled: boolean;
  readonly metrics: MetricsSink;
  readonly l1: L1Tier;
  readonly l2: L2Guard;
  readonly mutations = new MutationLog();
  readonly fills = new RecentFills();
  readonly unsettled: UnsettledInvalidations;
  /** `get`, `getMany`, `has`/`ttl`. */
  readonly reads: ReadPath;
  /** `set`, `setMany`, deletes, tag invalidation, `clear`. */
  readonly writes: WritePath;
  /** `getOrSet`. */
  readonly loader: Loader;
  private isClosed = false;

  constructor(readonly parts: CacheCoreParts) {
    this.prefix = parts.prefix;
    this.maxKeyLength = parts.maxKeyLength;
    this.enabled = parts.enabled;
    this.metrics = parts.metrics;
    this.l1 = new L1Tier(parts.l1);
    this.l2 = new L2Guard({
      breaker: parts.breaker,
      timeoutMs: parts.l2TimeoutMs,
      metrics: parts.metrics,
      events: this.events,
    });
    this.reads = new ReadPath(this);
    this.writes = new WritePath(this);
    this.loader = new Loader(this, this.reads, this.writes);
    this.unsettled = new UnsettledInvalidations({
      retry: (op) => this.writes.retryL2(op),
      settled: (op) => {
        // Other instances may have read the old copy back from L2 meanwhile: tell them again.
        this.mutations.applied(op);
        this.publish(op);
        this.events.emit('l2:settled', { op });
      },
      gaveUp: (count) =>
        this.events.emit('error', {
          message: `gave up retrying ${count} failed L2 invalidation(s); their L2 copies expire with their TTL`,
          error: undefined,
        }),
    });
    parts.bus?.onMessage((ops, meta) => this.applyRemote(ops, meta.source, meta.sentAt));
    parts.bus?.onResync((reason) => this.resync(reason));
    parts.bus?.onLiveness?.((live) => this.busLiveness(live));
  }

  /** Whether `disconnect` ran. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Whether the L2 driver can index tags. */
  get supportsTags(): boolean {
    return this.parts.l2 === undefined || this.parts.l2.tags !== undefined;
  }

  /** The L2 breaker's current state. */
  get breakerState(): CircuitBreaker['state'] {
    return this.parts.breaker.state;
  }

  /** Starts the bus. */
  async connect(): Promise<void> {
    await this.parts.bus?.start();
  }

  /** Stops the bus and releases what the cache owns; later calls reject with `E_CACHE_CLOSED`. */
  async disconnect(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.unsettled.clear();
    await this.parts.bus?.stop();
    await this.parts.l2?.disconnect();
    this.parts.l1?.clear();
  }

  /** Throws once closed. */
  assertOpen(): void {
    if (this.isClosed) throw new CacheClosedError();
  }

  /** Called by the L1 store when it evicts or expires a key. */
  onL1Removed(full: string): void {
    this.l1.onRemoved(full);
  }

  /** Tells the other instances to evict. */
  publish(op: InvalidationOp): void {
    if (this.parts.bus === undefined) return;
    this.parts.bus.publish(op);
    this.metrics.invalidationSent(op.type);
  }

  /**
   * Publishes `op` right behind the L2 command just issued, when the bus publishes on L2's connection in order
   * (standalone Redis): peers hear of a write one round trip sooner, and still only after Redis applied it.
   */
  publishBehindL2(op: InvalidationOp): boolean {
    const bus = this.parts.bus;
    if (bus?.publishBehind === undefined || !bus.publishBehind(this.parts.l2Connection, op)) return false;
    this.metrics.invalidationSent(op.type);
    return true;
  }

  /**
   * Applies another instance's invalidations to this process's L1, and deletes again from L2 what this
   * process filled there just before (or while) the invalidation was made: {@link RecentFills}.
   */
  private applyRemote(ops: readonly InvalidationOp[], source: string, sentAt: number): void {
    const lag = Math.max(0, Date.now() - sentAt) / 1000;
    const repair = new Map<string, string | undefined>();
    for (const op of ops) {
      for (const fill of this.fills.matching(op)) repair.set(fill.key, fill.head);
      this.mutations.applied(op);
      if (op.type !== 'all' && op.unsettled) this.unsettled.remember(op);
      else this.unsettled.forget(op);
      switch (op.type) {
        case 'keys':
          for (const full of op.keys) this.l1.drop(full);
          break;
        case 'tags':
          for (const tag of op.tags) this.l1.dropTag(tag);
          break;
        case 'prefix':
          this.l1.dropPrefix(op.prefix);
          break;
        case 'all':
          this.l1.clear();
          break;
      }
      this.metrics.invalidationReceived(op.type, lag);
    }
    if (repair.size > 0) this.repairL2(repair);
    this.events.emit('bus:received', { ops, source, sentAt });
  }

  /**
   * Deletes from L2 the fills (key → head of the value this process wrote) an invalidation raced, without
   * telling anyone (the sender already did); failures are only reported. Each key is deleted only while L2
   * still holds this process's fill: by now the other instance may have stored the new value (a refill right
   * after its eviction), which must stay. A fill without a head (or a driver without compare-and-delete,
   * such as a legacy store) gets the unconditional delete: it still removes the raced fill, but may take a
   * newer value with it.
   */
  private repairL2(fills: ReadonlyMap<string, string | undefined>): void {
    const l2 = this.parts.l2;
    if (l2 === undefined) return;
    const compareAndDelete = l2.deleteIfHead?.bind(l2);
    const checked: HeadMatch[] = [];
    const blind: string[] = [];
    for (const [key, head] of fills) {
      if (head !== undefined && compareAndDelete !== undefined) checked.push({ key, head });
      else blind.push(key);
    }
    const work = async () => {
      const [deleted] = await Promise.all([
        compareAndDelete === undefined || checked.length === 0
          ? []
          : this.l2.call('deleteIfHead', () => compareAndDelete(checked)),
        blind.length === 0 ? 0 : this.l2.call('deleteMany', () => l2.deleteMany(blind)),
      ]);
      const keys = [...blind];
      const kept: string[] = [];
      checked.forEach(({ key }, i) => (deleted[i] ? keys : kept).push(key));
      return { keys, kept };
    };
    work().then(
      (repaired) => this.events.emit('l2:repaired', repaired),
      (error: unknown) =>
        this.events.emit('error', { message: `L2 repair of ${fills.size} raced fill(s) failed`, error }),
    );
  }

  /**
   * The bus went silent: stop serving L1 (reads go to L2 and the source) until it is heard again; then drop
   * L1, since invalidations sent meanwhile may have been lost.
   */
  private busLiveness(live: boolean): void {
    this.metrics.busLive?.(live);
    if (!live) {
      this.l1.trusted = false;
      // Reads in flight must not backfill what they read before the silence was noticed.
      this.mutations.mutated(undefined);
      this.events.emit('bus:silent', {});
      return;
    }
    this.l1.trusted = true;
    this.resync('silence');
  }

  /** The bus lost messages: L1 may hold anything, so it starts over. */
  private resync(reason: string): void {
    this.dropAllL1();
    this.events.emit('bus:resync', { reason });
  }

  private dropAllL1(): void {
    this.mutations.mutated(undefined);
    this.l1.clear();
  }
}
