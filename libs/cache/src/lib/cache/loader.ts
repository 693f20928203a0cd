import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { StoredEntry } from '../core/codec';
import type { LeaseProvider } from '../core/driver';
import { LoaderFailedError, LoaderTimeoutError } from '../core/errors';
import { defaultClock } from '../l1/coarse-clock';
import type { LoaderContext } from './cache.types';
import type { CoreContext } from './core-context';
import type { ResolvedPolicy } from './policy';
import type { ReadPath } from './read-path';
import type { WritePath } from './write-path';

/** One `getOrSet` call, as it travels through the read-through steps. */
export interface GetOrSetRequest<T> {
  /** Full key (prefix and namespace applied). */
  readonly full: string;
  /** The key as the caller gave it (what the loader sees). */
  readonly key: string;
  /** Namespace, for metrics. */
  readonly ns: string;
  readonly loader: (ctx: LoaderContext<T>) => Promise<T> | T;
  readonly policy: ResolvedPolicy;
  /** Full (namespaced) tags of the stored value. */
  readonly tags: readonly string[] | undefined;
  /** Whether to coalesce across processes with an L2 lease (when L2 offers leases). */
  readonly useLease: boolean;
}

const LEASE_POLL_MIN_MS = 2;
const LEASE_POLL_MAX_MS = 50;
/** Lease tokens remembered at most (the oldest are forgotten: their leases expire with their TTL). */
const MAX_UNSURE_LEASES = 10_000;
/** Returned by {@link Loader.withLease} when another process holds the lease. */
const BUSY: unique symbol = Symbol('lease.busy');

/** A load other callers of the same key may join while no change to the key has overtaken it. */
interface InflightLoad {
  readonly promise: Promise<unknown>;
  /** {@link MutationLog} mark taken when the load began. */
  readonly mark: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

/**
 * The read-through path: fresh L1 → fresh L2 → one load per key per process (and per cluster with a lease),
 * with soft TTL (stale-while-revalidate), grace and loader timeouts.
 */
export class Loader {
  /** In-flight loads per full key (in-process coalescing), with the mutation mark taken when each began. */
  private readonly inflight = new Map<string, InflightLoad>();
  /** Keys being refreshed in the background (stale-while-revalidate). */
  private readonly refreshing = new Set<string>();
  /** Lease tokens this process may still hold without knowing it (see {@link withLease}), by full key. */
  private readonly unsureLeases = new Map<string, string>();

  constructor(
    private readonly core: CoreContext,
    private readonly reads: ReadPath,
    private readonly writes: WritePath,
  ) {}

  /** Returns the cached value, or loads, stores and returns it. */
  getOrSet<T>(req: GetOrSetRequest<T>): Promise<T> {
    const { full, ns } = req;
    const { parts, metrics } = this.core;
    const now = defaultClock.now();
    const cached = parts.l1?.get(full);
    // While the bus is silent an L1 entry is not served as fresh, only (by the loader) within its grace.
    if (cached !== undefined && cached.e > now && this.core.l1.trusted) {
      metrics.hit('l1', ns);
      if (cached.s !== undefined && cached.s <= now) this.refresh(req, cached);
      return Promise.resolve(cached.v as T);
    }
    if (parts.l1) metrics.miss('l1', ns);
    const { mutations } = this.core;
    const running = this.inflight.get(full);
    // A load that a write or an invalidation of its key overtook may return the old value: start a new one.
    if (running !== undefined && !mutations.changedSince(full, running.mark, req.tags))
      return running.promise as Promise<T>;
    const stale = cached !== undefined && cached.g !== undefined && cached.g > now ? cached : undefined;
    const mark = mutations.beginRead();
    const load = this.readThrough(req, stale as StoredEntry<T>, mark);
    const entry: InflightLoad = { promise: load, mark };
    this.inflight.set(full, entry);
    const forget = () => {
      mutations.endRead();
      if (this.inflight.get(full) === entry) this.inflight.delete(full);
    };
    load.then(forget, forget);
    return load;
  }

  /**
   * Loads now and stores unless a change of the key (or its tags) lands while loading: the {@link MutationLog}
   * mark is taken before the loader reads the source, exactly as for a miss.
   */
  reload<T>(req: GetOrSetRequest<T>): Promise<T> {
    const { mutations } = this.core;
    const mark = mutations.beginRead();
    const load = this.runLoader(req, undefined, mark);
    const end = () => mutations.endRead();
    load.then(end, end);
    return load;
  }

  private async readThrough<T>(
    req: GetOrSetRequest<T>,
    staleL1: StoredEntry<T> | undefined,
    mark: number,
  ): Promise<T> {
    const { full, ns } = req;
    const { parts, metrics } = this.core;
    let stale = staleL1;
    if (parts.l2 !== undefined) {
      const entry = await this.reads.fetchL2<T>(full, req.policy.l1Ms);
      const now = Date.now();
      if (entry !== undefined && entry.e > now) {
        metrics.hit('l2', ns);
        if (entry.s !== undefined && entry.s <= now) this.refresh(req, entry);
        return entry.v;
      }
      metrics.miss('l2', ns);
      if (entry?.g !== undefined && entry.g > now && (stale === undefined || entry.e > stale.e))
        stale = entry;
    }
    const leases = this.leasesFor(req);
    if (leases === undefined) return this.runLoader(req, stale, mark);
    return this.loadUnderLease(req, stale, leases, mark);
  }

  /** Cross-process coalescing: one process holds the lease and loads; the others wait for its value. */
  private async loadUnderLease<T>(
    req: GetOrSetRequest<T>,
    stale: StoredEntry<T> | undefined,
    leases: LeaseProvider,
    mark: number,
  ): Promise<T> {
    const { full, ns, policy } = req;
    const leaseMs = this.core.parts.leaseMs as number;
    const deadline =
      Date.now() + (policy.hardTimeoutMs > 0 ? Math.min(leaseMs, policy.hardTimeoutMs) : leaseMs);
    let pause = LEASE_POLL_MIN_MS;
    for (;;) {
      const loaded = await this.withLease(leases, full, async (held) => {
        if (held) {
          // Someone may have stored the value between our miss and our lease.
          const entry = await this.reads.fetchL2<T>(full, policy.l1Ms);
          if (entry !== undefined && entry.e > Date.now()) return entry.v;
        }
        return this.runLoader(req, stale, mark);
      });
      if (loaded !== BUSY) return loaded;
      // Another process is loading: wait for its value, or for its lease to lapse.
      while (Date.now() < deadline) {
        await sleep(pause);
        pause = Math.min(LEASE_POLL_MAX_MS, Math.ceil(pause * 1.5));
        const entry = await this.reads.fetchL2<T>(full, policy.l1Ms);
        if (entry !== undefined && entry.e > Date.now()) return entry.v;
        const held = await this.core.l2.call('lease.isHeld', () => leases.isHeld(full)).catch(() => false);
        if (!held) break;
      }
      if (Date.now() >= deadline) {
        if (stale !== undefined) return this.serveStale(full, ns, stale, 'grace');
        return this.runLoader(req, stale, mark);
      }
    }
  }

  /**
   * The one lease acquire/release: runs `work(true)` holding the lease on `full` and releases it after, or
   * `work(false)` without it when L2 cannot be asked (a loader must not wait on a broken L2). Returns
   * {@link BUSY} when another process holds the lease.
   *
   * An acquire that timed out may still land later (Redis stalled, a Cluster command replayed after a
   * failover), and a release that failed leaves the lease in place: either way this process may be the holder
   * of a lease nobody will release before its TTL, and every later load of the key would wait on it. Such tokens
   * are remembered; when the key is found busy, the remembered token is released first (a release only deletes
   * a lease its token holds) and the acquire tried once more.
   */
  private async withLease<R>(
    leases: LeaseProvider,
    full: string,
    work: (held: boolean) => Promise<R>,
  ): Promise<R | typeof BUSY> {
    const token = randomUUID();
    let acquired = await this.acquire(leases, full, token);
    if (acquired === false) {
      const lost = this.unsureLeases.get(full);
      if (lost === undefined) return BUSY;
      try {
        await this.core.l2.call('lease.release', () => leases.release(full, lost));
      } catch {
        return work(false);
      }
      this.unsureLeases.delete(full);
      acquired = await this.acquire(leases, full, token);
      if (acquired === false) return BUSY;
    }
    if (acquired === undefined) return work(false);
    try {
      return await work(true);
    } finally {
      await this.core.l2
        .call('lease.release', () => leases.release(full, token))
        .catch(() => this.rememberUnsure(full, token));
    }
  }

  /** `true` held, `false` busy, `undefined` unknown (L2 failed; the token is remembered). */
  private async acquire(leases: LeaseProvider, full: string, token: string): Promise<boolean | undefined> {
    try {
      return await this.core.l2.call('lease.acquire', () =>
        leases.acquire(full, token, this.core.parts.leaseMs as number),
      );
    } catch {
      this.rememberUnsure(full, token);
      return undefined;
    }
  }

  private rememberUnsure(full: string, token: string): void {
    this.unsureLeases.delete(full);
    this.unsureLeases.set(full, token);
    if (this.unsureLeases.size > MAX_UNSURE_LEASES)
      this.unsureLeases.delete(this.unsureLeases.keys().next().value as string);
  }

  /** The lease provider when this request coalesces across processes and L2 can be asked. */
  private leasesFor(req: { readonly useLease: boolean }): LeaseProvider | undefined {
    const { parts } = this.core;
    if (!req.useLease || parts.leaseMs === false || parts.breaker.state === 'open') return undefined;
    return parts.l2?.leases;
  }

  /**
   * Runs the loader with soft/hard timeouts and grace, then stores its value, unless a write or an
   * invalidation of the key (local, or from another instance over the bus) landed after `mark`, the
   * {@link MutationLog} mark taken when the load began: the loader may have read the source before that
   * change committed, and storing its value would bring the evicted state back until the TTL runs out. The
   * caller still gets the value (it was current when the caller asked).
   */
  private runLoader<T>(req: GetOrSetRequest<T>, stale: StoredEntry<T> | undefined, mark: number): Promise<T> {
    const { full, key, ns, loader, policy, tags } = req;
    const { metrics, events, mutations } = this.core;
    const controller = new AbortController();
    const started = performance.now();
    // Keeps the mutation marks alive for the loader's whole run, even past a hard timeout.
    mutations.beginRead();
    const loaded = (async () => {
      try {
        const value = await loader({ key, signal: controller.signal, stale: stale?.v });
        metrics.loader(ns, 'ok', (performance.now() - started) / 1000);
        if (value !== undefined && mutations.changedSince(full, mark, tags)) {
          if (events.has('loader:overtaken')) events.emit('loader:overtaken', { key: full });
        } else if (value !== undefined) {
          try {
            await this.writes.write([this.writes.prepare(full, value, policy, tags, true)], false);
          } catch (error) {
            // Uncacheable (too large, not serializable): the caller still gets the value.
            events.emit('error', { message: `value loaded for ${full} was not cached`, error });
          }
        }
        return value;
      } finally {
        mutations.endRead();
      }
    })();
    const { softTimeoutMs, hardTimeoutMs } = policy;
    const timers: NodeJS.Timeout[] = [];
    const clear = () => timers.forEach(clearTimeout);
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clear();
        fn();
      };
      loaded.then(
        (value) => finish(() => resolve(value)),
        (error: unknown) => {
          metrics.loader(
            ns,
            controller.signal.aborted ? 'timeout' : 'error',
            (performance.now() - started) / 1000,
          );
          events.emit('loader:error', { key: full, error });
          if (settled) return;
          if (stale !== undefined) {
            finish(() => resolve(this.serveStale(full, ns, stale, 'grace')));
          } else {
            finish(() => reject(new LoaderFailedError(full, error)));
          }
        },
      );
      if (stale !== undefined && softTimeoutMs > 0) {
        timers.push(
          setTimeout(() => finish(() => resolve(this.serveStale(full, ns, stale, 'grace'))), softTimeoutMs),
        );
      }
      if (hardTimeoutMs > 0) {
        timers.push(
          setTimeout(() => {
            controller.abort(new LoaderTimeoutError(full, hardTimeoutMs));
            if (stale !== undefined) finish(() => resolve(this.serveStale(full, ns, stale, 'grace')));
            else finish(() => reject(new LoaderTimeoutError(full, hardTimeoutMs)));
          }, hardTimeoutMs),
        );
      }
    });
  }

  private serveStale<T>(full: string, ns: string, stale: StoredEntry<T>, reason: 'swr' | 'grace'): T {
    this.core.metrics.staleServed(ns, reason);
    if (this.core.events.has('stale')) this.core.events.emit('stale', { key: full, reason });
    return stale.v;
  }

  /** Stale-while-revalidate: one background refresh per key per process (and per cluster, with a lease). */
  private refresh<T>(req: GetOrSetRequest<T>, current: StoredEntry): void {
    const { full, ns } = req;
    if (this.refreshing.has(full) || this.inflight.has(full)) return;
    this.refreshing.add(full);
    this.serveStale(full, ns, current as StoredEntry<T>, 'swr');
    const mark = this.core.mutations.beginRead();
    const load = () => this.runLoader(req, current as StoredEntry<T>, mark);
    const leases = this.leasesFor(req);
    // Another process holding the lease is already refreshing: nothing to do.
    const run = leases === undefined ? load() : this.withLease(leases, full, load);
    run
      .catch((error: unknown) =>
        this.core.events.emit('error', { message: `background refresh of ${full} failed`, error }),
      )
      .finally(() => {
        this.core.mutations.endRead();
        this.refreshing.delete(full);
      });
  }
}
