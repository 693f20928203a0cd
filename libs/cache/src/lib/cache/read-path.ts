import { performance } from 'node:perf_hooks';
import { decodeEntry, type StoredEntry } from '../core/codec';
import { CacheClosedError, L2UnavailableError } from '../core/errors';
import { type L1Node, QUEUE_REMOVED as IMPORTED_QUEUE_REMOVED } from '../l1/access-list';
import { defaultClock } from '../l1/coarse-clock';
import type { L1Store } from '../l1/l1-store';
import type { CoreContext } from './core-context';

const L1_LATENCY_SAMPLE_MASK = 63;
const L2_LATENCY_SAMPLE_MASK = 7;

/** Returned by {@link ReadPath.l1Fresh} when L1 cannot serve. */
export const MISS: unique symbol = Symbol('cache.miss');

/** The L1 stores' coarse clock: one `Date.now()` per timer tick on the hit path. */
const clock = defaultClock;
const now = defaultClock.now;
/** Held locally: tsx (esbuild), which runs the benchmarks, turns each use of an import into a getter call. */
const QUEUE_REMOVED = IMPORTED_QUEUE_REMOVED;

/**
 * Reads: L1, then L2 with backfill into L1. Methods take full keys (prefix and namespace applied). An L2
 * failure is a miss here; the caller falls back to its loader or to the database.
 */
export class ReadPath {
  private sample = 0;

  constructor(private readonly core: CoreContext) {}

  /**
   * The L1 hit path, kept synchronous and allocation-free: the fresh L1 entry's value, or {@link MISS}. Counts
   * the hit (the miss is counted by {@link getAfterL1Miss}).
   */
  l1Fresh(full: string, ns: string): unknown {
    const l1 = this.core.parts.l1;
    if (l1 === undefined || this.core.closed || !this.core.l1.trusted) return MISS;
    const timed = (++this.sample & L1_LATENCY_SAMPLE_MASK) === 0;
    const t0 = timed ? performance.now() : 0;
    const hit = l1.get(full);
    if (hit === undefined || hit.e <= now()) return MISS;
    this.core.metrics.hit('l1', ns);
    if (timed) this.core.metrics.getLatency('l1', (performance.now() - t0) / 1000);
    if (this.core.events.has('hit')) this.core.events.emit('hit', { key: full, layer: 'l1', stale: false });
    return hit.v;
  }

  /**
   * The synchronous L1-only read behind `cache.peek`: the fresh L1 entry's value or `undefined`, never L2. It
   * counts as an access for the eviction policy (a key read only through `peek` stays hot) and counts the L1
   * hit or miss: each a plain increment, a few ns beside the lookup, so the hit ratio of hot in-process paths
   * stays visible. No latency sampling: a `peek` is a map lookup, there is nothing to time. `countMiss: false`
   * for a caller that reads through (`getOrSet`) on a miss, which counts that miss itself.
   */
  peek(full: string, ns: string, countMiss = true): unknown {
    const { parts, metrics, events } = this.core;
    if (this.core.closed) throw new CacheClosedError();
    const l1 = parts.l1;
    if (l1 === undefined) return undefined;
    const hit = this.core.l1.trusted ? l1.get(full) : undefined;
    if (hit === undefined || hit.e <= now()) {
      if (countMiss) metrics.miss('l1', ns);
      return undefined;
    }
    metrics.hit('l1', ns);
    if (events.has('hit')) events.emit('hit', { key: full, layer: 'l1', stale: false });
    return hit.v;
  }

  /**
   * `peek` through a node handle kept by the caller (see {@link peekNode}): the same answer as {@link peek} for
   * `node.key`, without hashing the key, or {@link MISS} when the handle no longer holds a servable entry (the
   * caller then takes the {@link peek} path, which counts the miss). A handle is only good while its node is
   * in L1: a delete, an invalidation (local or from the bus), a clear, an eviction or an expiry removes the
   * node and marks it, and an overwrite updates the same node, so the value read here is always L1's.
   */
  peekHandle(node: L1Node<StoredEntry>, ns: string): unknown {
    if (node.queue === QUEUE_REMOVED || this.core.closed || !this.core.l1.trusted) return MISS;
    // Fresh when last read during this clock tick: the time has not moved and the value has not changed (the
    // store zeroes freshTick when it does). The answer then comes from the node itself: the entry object and
    // the boxed double of its expiry sit elsewhere in the heap, each a likely cache miss.
    let value: unknown;
    if (node.freshTick === clock.tick) {
      value = node.freshRead;
    } else {
      const entry = node.value;
      if (entry.e <= now()) return MISS;
      value = entry.v;
      node.freshTick = clock.tick;
      node.freshRead = value;
    }
    (this.core.parts.l1 as L1Store<StoredEntry>).touch(node);
    this.core.metrics.hit('l1', ns);
    if (this.core.events.has('hit'))
      this.core.events.emit('hit', { key: node.key, layer: 'l1', stale: false });
    return value;
  }

  /** The L1 node of `full` while it holds a fresh entry, as a handle for {@link peekHandle}; no access counted. */
  peekNode(full: string): L1Node<StoredEntry> | undefined {
    const node = this.core.parts.l1?.node(full);
    return node !== undefined && node.value.e > now() ? node : undefined;
  }

  /** Reads one key through L1 then L2. Returns the entry only while fresh; an L2 hit fills L1 for ≤ `l1Ms`. */
  async get<T>(full: string, ns: string, l1Ms: number): Promise<T | undefined> {
    const value = this.l1Fresh(full, ns);
    if (value !== MISS) return value as T;
    return this.getAfterL1Miss<T>(full, ns, l1Ms);
  }

  /**
   * The rest of `get` once L1 missed: L2 (an entry only while fresh; an L2 failure is a miss), with metrics for
   * the misses and the L2 hit. One async level above {@link fetchL2}: at concurrency 64 each extra promise
   * layer on an L2 hit shows up against raw ioredis (scenario (b) of `bench:cache`).
   */
  async getAfterL1Miss<T>(full: string, ns: string, l1Ms: number): Promise<T | undefined> {
    const { metrics, events, parts } = this.core;
    if (this.core.closed) throw new CacheClosedError();
    if (parts.l1 !== undefined) metrics.miss('l1', ns);
    const timed = (++this.sample & L2_LATENCY_SAMPLE_MASK) === 0;
    const t0 = timed ? performance.now() : 0;
    if (parts.l2 === undefined) return this.missed(full, timed, t0);
    const entry = await this.fetchL2<T>(full, l1Ms);
    if (entry !== undefined && entry.e > Date.now()) {
      metrics.hit('l2', ns);
      if (events.has('hit')) events.emit('hit', { key: full, layer: 'l2', stale: false });
      if (timed) metrics.getLatency('l2', (performance.now() - t0) / 1000);
      return entry.v;
    }
    metrics.miss('l2', ns);
    return this.missed(full, timed, t0);
  }

  /** A final miss of `get`: its latency when sampled, and the `miss` event. */
  private missed(full: string, timed: boolean, t0: number): undefined {
    if (timed) this.core.metrics.getLatency('miss', (performance.now() - t0) / 1000);
    if (this.core.events.has('miss')) this.core.events.emit('miss', { key: full });
    return undefined;
  }

  /** Reads many keys: L1 first, then one batched L2 call for the rest (backfilled for at most `l1Ms`). */
  async getMany<T>(fulls: readonly string[], ns: string, l1Ms: number): Promise<(T | undefined)[]> {
    const { metrics, parts, mutations } = this.core;
    const out = new Array<T | undefined>(fulls.length);
    const missing: number[] = [];
    const now = Date.now();
    const l1 = this.core.l1.trusted ? parts.l1 : undefined;
    for (let i = 0; i < fulls.length; i++) {
      const hit = l1?.get(fulls[i]);
      if (hit !== undefined && hit.e > now) {
        out[i] = hit.v as T;
        metrics.hit('l1', ns);
      } else {
        if (parts.l1) metrics.miss('l1', ns);
        missing.push(i);
      }
    }
    const l2 = parts.l2;
    if (missing.length === 0 || l2 === undefined) return out;
    const start = mutations.beginRead();
    try {
      const raws = await this.core.l2.call('getMany', () => l2.getMany(missing.map((i) => fulls[i])));
      const readAt = Date.now();
      for (let j = 0; j < missing.length; j++) {
        const full = fulls[missing[j]];
        const entry = this.unlessUnsettled(full, this.decode<T>(full, raws[j]));
        if (entry !== undefined && entry.e > readAt) {
          out[missing[j]] = entry.v;
          metrics.hit('l2', ns);
          this.backfill(full, entry, raws[j] as string, start, l1Ms);
        } else {
          metrics.miss('l2', ns);
        }
      }
    } catch (error) {
      if (!(error instanceof L2UnavailableError)) throw error;
    } finally {
      mutations.endRead();
    }
    return out;
  }

  /**
   * Remaining lifetime of a fresh entry: L2's (the entry's real expiry) when L2 answers, else L1's (which may be
   * shorter than the entry's, since L1 keeps entries for less time).
   */
  async remaining(full: string, l1Ms: number): Promise<number | undefined> {
    const { parts } = this.core;
    if (parts.l2 !== undefined) {
      const entry = await this.fetchL2(full, l1Ms);
      if (entry !== undefined) {
        const left = entry.e - Date.now();
        return left > 0 ? left : undefined;
      }
      if (parts.breaker.state === 'closed') return undefined;
    }
    const hit = parts.l1?.peek(full);
    const left = hit === undefined ? 0 : hit.e - Date.now();
    return left > 0 ? left : undefined;
  }

  /**
   * Reads the L2 entry, expired ones included (grace needs them), and backfills L1 with a fresh one for at
   * most `l1Ms`. The backfill happens before the read is closed, while the mutation bookkeeping still knows
   * whether the key changed during the read. `undefined` when absent or when L2 failed.
   */
  async fetchL2<T>(full: string, l1Ms: number): Promise<StoredEntry<T> | undefined> {
    const { parts, mutations } = this.core;
    const l2 = parts.l2;
    if (l2 === undefined) return undefined;
    const start = mutations.beginRead();
    try {
      const raw = await this.core.l2.call('get', () => l2.get(full));
      const entry = this.unlessUnsettled(full, this.decode<T>(full, raw));
      if (entry !== undefined && entry.e > Date.now()) this.backfill(full, entry, raw as string, start, l1Ms);
      return entry;
    } catch (error) {
      if (error instanceof L2UnavailableError) return undefined;
      throw error;
    } finally {
      mutations.endRead();
    }
  }

  /** No L2 entry whose deletion failed and has not been retried successfully yet: it may be the old value. */
  private unlessUnsettled<T>(full: string, entry: StoredEntry<T> | undefined): StoredEntry<T> | undefined {
    return entry !== undefined && this.core.unsettled.blocks(full, entry.t) ? undefined : entry;
  }

  private decode<T>(full: string, raw: string | undefined): StoredEntry<T> | undefined {
    if (raw === undefined || raw === null) return undefined;
    try {
      return decodeEntry<T>(full, raw);
    } catch (error) {
      // A foreign or corrupt value: a miss, and removed so it does not keep failing.
      this.core.events.emit('error', { message: `undecodable L2 value at ${full}`, error });
      void this.core.parts.l2?.delete(full).catch(() => undefined);
      return undefined;
    }
  }

  /** L1 gets an entry read from L2 (see {@link L1Tier.keep}), unless the key changed while L2 was being read. */
  private backfill(full: string, entry: StoredEntry, raw: string, readStartedAt: number, l1Ms: number): void {
    if (this.core.parts.l1 === undefined || l1Ms <= 0) return; // nothing to fill (L1 off)
    if (this.core.mutations.changedSince(full, readStartedAt, entry.t)) return;
    if (raw.length > this.core.parts.maxEntryBytes) return;
    this.core.l1.keep(full, entry, l1Ms);
  }
}
