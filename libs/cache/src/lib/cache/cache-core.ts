import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { InvalidationBus, InvalidationOp } from '../bus/bus';
import { CircuitBreaker } from '../core/circuit-breaker';
import { decodeEntry, encodeEntry, type StoredEntry } from '../core/codec';
import type { CacheDriver, DriverEntry } from '../core/driver';
import {
  CacheClosedError,
  EntryTooLargeError,
  L2UnavailableError,
  LoaderFailedError,
  LoaderTimeoutError,
  UnsupportedOperationError,
} from '../core/errors';
import { TypedEmitter } from '../core/typed-emitter';
import { defaultClock } from '../l1/coarse-clock';
import type { L1Store } from '../l1/l1-store';
import type { L2Outcome, MetricsSink } from '../metrics/metrics-sink';
import type { CacheEvents, LoaderContext } from './cache.types';
import type { ResolvedPolicy } from './policy';

/** Wiring the core needs; built by `createCache` from {@link CacheOptions}. */
export interface CacheCoreParts {
  readonly prefix: string;
  readonly l1: L1Store<StoredEntry> | undefined;
  readonly maxEntryBytes: number;
  readonly l2: CacheDriver | undefined;
  readonly l2TimeoutMs: number;
  /** The Redis connection `l2` writes on, when known: the bus may publish right behind its commands. */
  readonly l2Connection?: unknown;
  readonly breaker: CircuitBreaker;
  readonly bus: InvalidationBus | undefined;
  readonly leaseMs: number | false;
  readonly metrics: MetricsSink;
  readonly maxKeyLength: number;
}

/** One `getOrSet` miss, as it travels through the read-through steps. */
interface LoadRequest<T> {
  readonly full: string;
  readonly key: string;
  readonly ns: string;
  readonly loader: (ctx: LoaderContext<T>) => Promise<T> | T;
  readonly policy: ResolvedPolicy;
  readonly tags: readonly string[] | undefined;
  readonly useLease: boolean;
}

/** An entry ready to be written: encoded once, sized once. */
interface PreparedEntry {
  readonly full: string;
  readonly entry: StoredEntry;
  readonly raw: string;
  readonly bytes: number;
  readonly policy: ResolvedPolicy;
}

const LEASE_POLL_MIN_MS = 2;
const LEASE_POLL_MAX_MS = 50;
const L1_LATENCY_SAMPLE_MASK = 63;
const L2_LATENCY_SAMPLE_MASK = 7;

/** Returned by {@link CacheCore.l1Fresh} when L1 cannot serve. */
export const MISS: unique symbol = Symbol('cache.miss');

/** The L1 stores' coarse clock: one `Date.now()` per timer tick on the hit path. */
const now = defaultClock.now;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

/**
 * The shared machinery behind every namespace of one cache: tiers, bus, breaker, coalescing and metrics.
 * Methods take full keys (prefix and namespace applied); the namespaced facade validates input first.
 */
export class CacheCore {
  readonly events = new TypedEmitter<CacheEvents>();
  readonly prefix: string;
  readonly maxKeyLength: number;
  readonly metrics: MetricsSink;
  /** In-flight loads per full key (in-process coalescing). */
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Keys being refreshed in the background (stale-while-revalidate). */
  private readonly refreshing = new Set<string>();
  /** tag → keys in L1, and key → tags, so tag invalidation can evict L1 without a scan. */
  private readonly tagKeys = new Map<string, Set<string>>();
  private readonly keyTags = new Map<string, readonly string[]>();
  /**
   * Mutation bookkeeping that keeps an L2 read from writing an older value into L1 after a newer write or an
   * invalidation landed while the read was in flight.
   */
  private seq = 0;
  private bulkSeq = 0;
  private readsInFlight = 0;
  private readonly mutatedAt = new Map<string, number>();
  private sample = 0;
  private l2Sample = 0;
  private closed = false;

  constructor(private readonly parts: CacheCoreParts) {
    this.prefix = parts.prefix;
    this.maxKeyLength = parts.maxKeyLength;
    this.metrics = parts.metrics;
    parts.bus?.onMessage((ops, meta) => this.applyRemote(ops, meta.source, meta.sentAt));
    parts.bus?.onResync((reason) => this.resync(reason));
  }

  /** Whether an L2 is configured. */
  get hasL2(): boolean {
    return this.parts.l2 !== undefined;
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
    if (this.closed) return;
    this.closed = true;
    await this.parts.bus?.stop();
    await this.parts.l2?.disconnect();
    this.parts.l1?.clear();
  }

  /** Throws once closed. */
  assertOpen(): void {
    if (this.closed) throw new CacheClosedError();
  }

  // ---------------------------------------------------------------- reads

  /**
   * The L1 hit path, kept synchronous and allocation-free: the fresh L1 entry's value, or {@link MISS}. Counts
   * the hit (the miss is counted by {@link get}).
   */
  l1Fresh(full: string, ns: string): unknown {
    const l1 = this.parts.l1;
    if (l1 === undefined || this.closed) return MISS;
    const timed = (++this.sample & L1_LATENCY_SAMPLE_MASK) === 0;
    const t0 = timed ? performance.now() : 0;
    const hit = l1.get(full);
    if (hit === undefined || hit.e <= now()) return MISS;
    this.metrics.hit('l1', ns);
    if (timed) this.metrics.getLatency('l1', (performance.now() - t0) / 1000);
    if (this.events.has('hit')) this.events.emit('hit', { key: full, layer: 'l1', stale: false });
    return hit.v;
  }

  /**
   * Reads one key through L1 then L2. Returns the entry only while fresh. `l1Ms` is the namespace's L1 TTL,
   * which caps the copy an L2 hit leaves in L1.
   */
  async get<T>(full: string, ns: string, l1Ms: number): Promise<T | undefined> {
    const value = this.l1Fresh(full, ns);
    if (value !== MISS) return value as T;
    return this.getAfterL1Miss<T>(full, ns, l1Ms);
  }

  /** The rest of `get` once L1 missed: L2, with metrics for the miss. */
  async getAfterL1Miss<T>(full: string, ns: string, l1Ms: number): Promise<T | undefined> {
    this.assertOpen();
    if (this.parts.l1 !== undefined) this.metrics.miss('l1', ns);
    const timed = (++this.sample & L2_LATENCY_SAMPLE_MASK) === 0;
    const t0 = timed ? performance.now() : 0;
    const entry = await this.readL2<T>(full, ns, l1Ms);
    if (entry !== undefined) {
      if (timed) this.metrics.getLatency('l2', (performance.now() - t0) / 1000);
      return entry.v;
    }
    if (timed) this.metrics.getLatency('miss', (performance.now() - t0) / 1000);
    if (this.events.has('miss')) this.events.emit('miss', { key: full });
    return undefined;
  }

  /** Reads many keys: L1 first, then one batched L2 call for the rest (backfilled for at most `l1Ms`). */
  async getMany<T>(fulls: readonly string[], ns: string, l1Ms: number): Promise<(T | undefined)[]> {
    const out = new Array<T | undefined>(fulls.length);
    const missing: number[] = [];
    const now = Date.now();
    for (let i = 0; i < fulls.length; i++) {
      const hit = this.parts.l1?.get(fulls[i]);
      if (hit !== undefined && hit.e > now) {
        out[i] = hit.v as T;
        this.metrics.hit('l1', ns);
      } else {
        if (this.parts.l1) this.metrics.miss('l1', ns);
        missing.push(i);
      }
    }
    const l2 = this.parts.l2;
    if (missing.length === 0 || l2 === undefined) return out;
    const start = this.beginRead();
    try {
      const raws = await this.l2Call('getMany', () => l2.getMany(missing.map((i) => fulls[i])));
      const readAt = Date.now();
      for (let j = 0; j < missing.length; j++) {
        const full = fulls[missing[j]];
        const entry = this.decode<T>(full, raws[j]);
        if (entry !== undefined && entry.e > readAt) {
          out[missing[j]] = entry.v;
          this.metrics.hit('l2', ns);
          this.backfill(full, entry, raws[j] as string, start, l1Ms);
        } else {
          this.metrics.miss('l2', ns);
        }
      }
    } catch (error) {
      if (!(error instanceof L2UnavailableError)) throw error;
    } finally {
      this.endRead();
    }
    return out;
  }

  /**
   * Remaining lifetime of a fresh entry: L2's (the entry's real expiry) when L2 answers, else L1's (which may be
   * shorter than the entry's, since L1 keeps entries for less time).
   */
  async remaining(full: string, l1Ms: number): Promise<number | undefined> {
    if (this.parts.l2 !== undefined) {
      const entry = await this.fetchL2(full, l1Ms);
      if (entry !== undefined) {
        const left = entry.e - Date.now();
        return left > 0 ? left : undefined;
      }
      if (this.parts.breaker.state === 'closed') return undefined;
    }
    const hit = this.parts.l1?.peek(full);
    const left = hit === undefined ? 0 : hit.e - Date.now();
    return left > 0 ? left : undefined;
  }

  /**
   * Reads L2 (for `get`). Returns the entry only while fresh, counting the L2 hit or miss; an L2 failure is a
   * miss (the caller falls back to its loader or to the database).
   */
  private async readL2<T>(full: string, ns: string, l1Ms: number): Promise<StoredEntry<T> | undefined> {
    if (this.parts.l2 === undefined) return undefined;
    const entry = await this.fetchL2<T>(full, l1Ms);
    if (entry !== undefined && entry.e > Date.now()) {
      this.metrics.hit('l2', ns);
      if (this.events.has('hit')) this.events.emit('hit', { key: full, layer: 'l2', stale: false });
      return entry;
    }
    this.metrics.miss('l2', ns);
    return undefined;
  }

  /**
   * Reads the L2 entry, expired ones included (grace needs them), and backfills L1 with a fresh one for at
   * most `l1Ms`. The backfill happens before the read is closed, while the mutation bookkeeping still knows
   * whether the key changed during the read. `undefined` when absent or when L2 failed.
   */
  private async fetchL2<T>(full: string, l1Ms: number): Promise<StoredEntry<T> | undefined> {
    const l2 = this.parts.l2;
    if (l2 === undefined) return undefined;
    const start = this.beginRead();
    try {
      const raw = await this.l2Call('get', () => l2.get(full));
      const entry = this.decode<T>(full, raw);
      if (entry !== undefined && entry.e > Date.now()) this.backfill(full, entry, raw as string, start, l1Ms);
      return entry;
    } catch (error) {
      if (error instanceof L2UnavailableError) return undefined;
      throw error;
    } finally {
      this.endRead();
    }
  }

  private decode<T>(full: string, raw: string | undefined): StoredEntry<T> | undefined {
    if (raw === undefined || raw === null) return undefined;
    try {
      return decodeEntry<T>(full, raw);
    } catch (error) {
      // A foreign or corrupt value: a miss, and removed so it does not keep failing.
      this.events.emit('error', { message: `undecodable L2 value at ${full}`, error });
      void this.parts.l2?.delete(full).catch(() => undefined);
      return undefined;
    }
  }

  /** L1 gets an entry read from L2 (see {@link keepInL1}), unless the key changed while L2 was being read. */
  private backfill(full: string, entry: StoredEntry, raw: string, readStartedAt: number, l1Ms: number): void {
    if (this.bulkSeq > readStartedAt || (this.mutatedAt.get(full) ?? 0) > readStartedAt) return;
    if (raw.length > this.parts.maxEntryBytes) return;
    this.keepInL1(full, entry, raw.length, l1Ms);
  }

  private beginRead(): number {
    this.readsInFlight++;
    return this.seq;
  }

  private endRead(): void {
    if (--this.readsInFlight === 0) this.mutatedAt.clear();
  }

  /** Records a local or remote change so in-flight reads do not backfill over it. */
  private mutated(full: string | undefined): void {
    this.seq++;
    if (full === undefined) this.bulkSeq = this.seq;
    else if (this.readsInFlight > 0) this.mutatedAt.set(full, this.seq);
  }

  // ---------------------------------------------------------------- writes

  /** Validates, encodes and sizes an entry; throws before anything is written. */
  prepare(
    full: string,
    value: unknown,
    policy: ResolvedPolicy,
    tags: readonly string[] | undefined,
  ): PreparedEntry {
    const now = Date.now();
    const lifetime = this.parts.l2 !== undefined ? policy.l2Ms : policy.l1Ms || policy.l2Ms;
    const e = now + lifetime;
    const entry: { v: unknown; e: number; s?: number; g?: number; t?: readonly string[] } = { v: value, e };
    if (policy.softMs > 0 && policy.softMs < lifetime) entry.s = now + policy.softMs;
    if (policy.graceMs > 0) entry.g = e + policy.graceMs;
    if (tags !== undefined && tags.length > 0) entry.t = tags;
    const raw = encodeEntry(full, entry);
    const bytes = raw.length < 1 << 16 ? Buffer.byteLength(raw) : raw.length * 2;
    if (bytes > this.parts.maxEntryBytes) throw new EntryTooLargeError(full, bytes, this.parts.maxEntryBytes);
    return { full, entry, raw, bytes, policy };
  }

  /**
   * Writes prepared entries to L2 (then the tag index), then L1, then tells other instances. An L2 failure is
   * reported but does not fail the write: L1 still holds the value.
   */
  async write(entries: readonly PreparedEntry[], publish: boolean): Promise<void> {
    const l2 = this.parts.l2;
    const op: InvalidationOp = { type: 'keys', keys: entries.map((p) => p.full) };
    let publishAfter = publish;
    for (const p of entries) this.mutated(p.full);
    if (l2 !== undefined) {
      try {
        const now = Date.now();
        const batch: DriverEntry[] = entries.map((p) => ({
          key: p.full,
          value: p.raw,
          ttlMs: Math.max(1, (p.entry.g ?? p.entry.e) - now),
        }));
        const written =
          batch.length === 1
            ? this.l2Call('set', () => l2.set(batch[0].key, batch[0].value, batch[0].ttlMs))
            : this.l2Call('setMany', () => l2.setMany(batch));
        if (publishAfter && this.publishBehindL2(op)) publishAfter = false;
        await written;
        const tags = l2.tags;
        if (tags !== undefined) {
          const tagged = entries.flatMap((p, i) =>
            p.entry.t === undefined ? [] : [{ tags: p.entry.t, ...batch[i] }],
          );
          if (tagged.length > 0) {
            await this.l2Call('tags.add', () =>
              Promise.all(tagged.map((e) => tags.add(e.key, e.tags, e.ttlMs))),
            );
          }
        }
      } catch (error) {
        if (!(error instanceof L2UnavailableError)) throw error;
      }
      // Reads that started while L2 was being written may carry the old value: keep them out of L1.
      for (const p of entries) this.mutated(p.full);
    }
    for (const p of entries) {
      if (p.policy.l1Ms > 0) this.keepInL1(p.full, p.entry, p.bytes, p.policy.l1Ms);
      else this.dropL1(p.full);
      if (this.events.has('set')) this.events.emit('set', { key: p.full });
    }
    if (publishAfter) this.publish(op);
  }

  /**
   * The one way an entry enters L1, whether written here or read from L2: fresh for min(`l1Ms`, its remaining
   * L2 lifetime), kept past that only for its grace. The L1 TTL is what bounds staleness when an invalidation
   * message is lost, so a copy read from L2 must honour it as much as the writer's own copy.
   */
  private keepInL1(full: string, entry: StoredEntry, bytes: number, l1Ms: number): void {
    if (l1Ms <= 0) return;
    const now = Date.now();
    const l1Entry: StoredEntry = entry.e - now > l1Ms ? { ...entry, e: now + l1Ms } : entry;
    const end = l1Entry.g !== undefined && l1Entry.g > l1Entry.e ? l1Entry.g : l1Entry.e;
    if (end > now) this.putL1(full, l1Entry, bytes, end - now);
  }

  private putL1(full: string, entry: StoredEntry, bytes: number, ttlMs: number): void {
    const l1 = this.parts.l1;
    if (l1 === undefined) return;
    this.untag(full);
    if (l1.set(full, entry, bytes, ttlMs) && entry.t !== undefined) {
      this.keyTags.set(full, entry.t);
      for (const tag of entry.t) {
        let keys = this.tagKeys.get(tag);
        if (keys === undefined) this.tagKeys.set(tag, (keys = new Set()));
        keys.add(full);
      }
    }
  }

  private dropL1(full: string): boolean {
    this.untag(full);
    return this.parts.l1?.delete(full) ?? false;
  }

  /** Called by the L1 store when it evicts or expires a key, so the tag index does not leak. */
  onL1Removed(full: string): void {
    this.untag(full);
  }

  private untag(full: string): void {
    const tags = this.keyTags.get(full);
    if (tags === undefined) return;
    this.keyTags.delete(full);
    for (const tag of tags) {
      const keys = this.tagKeys.get(tag);
      keys?.delete(full);
      if (keys?.size === 0) this.tagKeys.delete(tag);
    }
  }

  /** Deletes keys from L1, L2 and every other instance's L1. Rejects with `E_L2_UNAVAILABLE` after evicting locally. */
  async deleteMany(fulls: readonly string[]): Promise<number> {
    let local = 0;
    for (const full of fulls) {
      this.mutated(full);
      if (this.dropL1(full)) local++;
      if (this.events.has('delete')) this.events.emit('delete', { key: full });
    }
    const l2 = this.parts.l2;
    const work = async () => {
      if (l2 === undefined) return local;
      return fulls.length === 1
        ? Number(await this.l2Call('delete', () => l2.delete(fulls[0])))
        : this.l2Call('deleteMany', () => l2.deleteMany(fulls));
    };
    return this.thenPublish({ type: 'keys', keys: fulls }, fulls, work, true);
  }

  /** Evicts every entry carrying one of the tags, everywhere. */
  async invalidateTags(fullTags: readonly string[]): Promise<number> {
    let local = 0;
    for (const tag of fullTags) local += this.evictTagLocally(tag);
    this.mutated(undefined);
    const l2 = this.parts.l2;
    const count = await this.thenPublish({ type: 'tags', tags: fullTags }, undefined, async () => {
      if (l2 === undefined) return local;
      const tags = l2.tags;
      if (tags === undefined) throw new UnsupportedOperationError(`L2 driver ${l2.name} cannot index tags`);
      const keys = await this.l2Call('tags.take', () => tags.take(fullTags));
      return keys.length > 0 ? this.l2Call('deleteMany', () => l2.deleteMany(keys)) : 0;
    });
    this.events.emit('tags:invalidated', { tags: fullTags, keys: count });
    return count;
  }

  /**
   * Runs the L2 side of an invalidation, then tells the other instances, even when L2 failed (their L1 must
   * go either way). Publishing only once L2 is updated matters: a peer that evicts and re-reads L2 before the
   * delete landed would put the old value back into its L1. Marking the keys mutated again afterwards keeps
   * local reads that started during the L2 call from backfilling what they read.
   */
  private async thenPublish<R>(
    op: InvalidationOp,
    fulls: readonly string[] | undefined,
    work: () => Promise<R>,
    oneCommand = false,
  ): Promise<R> {
    // `oneCommand`: `work` issues its only L2 command synchronously, so the message may go right behind it.
    const pending = work();
    const sent = oneCommand && this.publishBehindL2(op);
    try {
      return await pending;
    } finally {
      if (fulls === undefined) this.mutated(undefined);
      else for (const full of fulls) this.mutated(full);
      if (!sent) this.publish(op);
    }
  }

  private evictTagLocally(tag: string): number {
    const keys = this.tagKeys.get(tag);
    if (keys === undefined) return 0;
    let count = 0;
    for (const full of [...keys]) if (this.dropL1(full)) count++;
    this.tagKeys.delete(tag);
    return count;
  }

  /** Deletes every key under `prefix` in L1, on every L2 master, and on every instance. */
  async clearPrefix(prefix: string): Promise<number> {
    const local = this.evictPrefixLocally(prefix);
    const l2 = this.parts.l2;
    const count = await this.thenPublish({ type: 'prefix', prefix }, undefined, async () =>
      l2 === undefined ? local : this.l2Call('deleteByPrefix', () => l2.deleteByPrefix(prefix)),
    );
    this.events.emit('cleared', { prefix, count });
    return count;
  }

  private evictPrefixLocally(prefix: string): number {
    this.mutated(undefined);
    for (const full of [...this.keyTags.keys()]) if (full.startsWith(prefix)) this.untag(full);
    return this.parts.l1?.deleteByPrefix(prefix) ?? 0;
  }

  /**
   * Publishes `op` right behind the L2 command just issued, when the bus publishes on L2's connection in order
   * (standalone Redis): peers hear of a write one round trip sooner, and still only after Redis applied it.
   */
  private publishBehindL2(op: InvalidationOp): boolean {
    const bus = this.parts.bus;
    if (bus?.publishBehind === undefined || !bus.publishBehind(this.parts.l2Connection, op)) return false;
    this.metrics.invalidationSent(op.type);
    return true;
  }

  private publish(op: InvalidationOp): void {
    if (this.parts.bus === undefined) return;
    this.parts.bus.publish(op);
    this.metrics.invalidationSent(op.type);
  }

  // ---------------------------------------------------------------- bus

  private applyRemote(ops: readonly InvalidationOp[], source: string, sentAt: number): void {
    const lag = Math.max(0, Date.now() - sentAt) / 1000;
    for (const op of ops) {
      switch (op.type) {
        case 'keys':
          for (const full of op.keys) {
            this.mutated(full);
            this.dropL1(full);
          }
          break;
        case 'tags':
          this.mutated(undefined);
          for (const tag of op.tags) this.evictTagLocally(tag);
          break;
        case 'prefix':
          this.evictPrefixLocally(op.prefix);
          break;
        case 'all':
          this.dropAllL1();
          break;
      }
      this.metrics.invalidationReceived(op.type, lag);
    }
    this.events.emit('bus:received', { ops, source, sentAt });
  }

  private resync(reason: string): void {
    this.dropAllL1();
    this.events.emit('bus:resync', { reason });
  }

  private dropAllL1(): void {
    this.mutated(undefined);
    this.parts.l1?.clear();
    this.tagKeys.clear();
    this.keyTags.clear();
  }

  // ---------------------------------------------------------------- getOrSet

  /**
   * The read-through path: fresh L1 → fresh L2 → one load per key per process (and per cluster with a lease),
   * with soft TTL, grace and loader timeouts.
   */
  getOrSet<T>(
    full: string,
    key: string,
    ns: string,
    loader: (ctx: LoaderContext<T>) => Promise<T> | T,
    policy: ResolvedPolicy,
    tags: readonly string[] | undefined,
    useLease: boolean,
  ): Promise<T> {
    const now = defaultClock.now();
    const cached = this.parts.l1?.get(full);
    if (cached !== undefined && cached.e > now) {
      this.metrics.hit('l1', ns);
      if (cached.s !== undefined && cached.s <= now) {
        this.refresh({ full, key, ns, loader, policy, tags, useLease }, cached);
      }
      return Promise.resolve(cached.v as T);
    }
    if (this.parts.l1) this.metrics.miss('l1', ns);
    const running = this.inflight.get(full);
    if (running !== undefined) return running as Promise<T>;
    const stale = cached !== undefined && cached.g !== undefined && cached.g > now ? cached : undefined;
    const request: LoadRequest<T> = { full, key, ns, loader, policy, tags, useLease };
    const load = this.readThrough(request, stale as StoredEntry<T>);
    this.inflight.set(full, load);
    const forget = () => this.inflight.delete(full);
    load.then(forget, forget);
    return load;
  }

  private async readThrough<T>(req: LoadRequest<T>, staleL1: StoredEntry<T> | undefined): Promise<T> {
    const { full, ns } = req;
    let stale = staleL1;
    if (this.parts.l2 !== undefined) {
      const entry = await this.fetchL2<T>(full, req.policy.l1Ms);
      const now = Date.now();
      if (entry !== undefined && entry.e > now) {
        this.metrics.hit('l2', ns);
        if (entry.s !== undefined && entry.s <= now) this.refresh(req, entry);
        return entry.v;
      }
      this.metrics.miss('l2', ns);
      if (entry?.g !== undefined && entry.g > now && (stale === undefined || entry.e > stale.e))
        stale = entry;
    }
    const leases = req.useLease && this.parts.leaseMs !== false ? this.parts.l2?.leases : undefined;
    if (leases === undefined || this.parts.breaker.state === 'open') return this.runLoader(req, stale);
    return this.loadUnderLease(req, stale, leases);
  }

  /** Cross-process coalescing: one process holds the lease and loads; the others wait for its value. */
  private async loadUnderLease<T>(
    req: LoadRequest<T>,
    stale: StoredEntry<T> | undefined,
    leases: NonNullable<CacheDriver['leases']>,
  ): Promise<T> {
    const { full, ns, policy } = req;
    const leaseMs = this.parts.leaseMs as number;
    const leaseKey = full;
    const token = randomUUID();
    const deadline =
      Date.now() + (policy.hardTimeoutMs > 0 ? Math.min(leaseMs, policy.hardTimeoutMs) : leaseMs);
    let pause = LEASE_POLL_MIN_MS;
    for (;;) {
      let acquired: boolean;
      try {
        acquired = await this.l2Call('lease.acquire', () => leases.acquire(leaseKey, token, leaseMs));
      } catch {
        return this.runLoader(req, stale);
      }
      if (acquired) {
        try {
          // Someone may have stored the value between our miss and our lease.
          const entry = await this.fetchL2<T>(full, policy.l1Ms);
          if (entry !== undefined && entry.e > Date.now()) return entry.v;
          return await this.runLoader(req, stale);
        } finally {
          await this.l2Call('lease.release', () => leases.release(leaseKey, token)).catch(() => undefined);
        }
      }
      // Another process is loading: wait for its value, or for its lease to lapse.
      while (Date.now() < deadline) {
        await sleep(pause);
        pause = Math.min(LEASE_POLL_MAX_MS, Math.ceil(pause * 1.5));
        const entry = await this.fetchL2<T>(full, policy.l1Ms);
        if (entry !== undefined && entry.e > Date.now()) return entry.v;
        const held = await this.l2Call('lease.isHeld', () => leases.isHeld(leaseKey)).catch(() => false);
        if (!held) break;
      }
      if (Date.now() >= deadline) {
        if (stale !== undefined) return this.serveStale(full, ns, stale, 'grace');
        return this.runLoader(req, stale);
      }
    }
  }

  /** Runs the loader with soft/hard timeouts and grace, then stores its value. */
  private runLoader<T>(req: LoadRequest<T>, stale: StoredEntry<T> | undefined): Promise<T> {
    const { full, key, ns, loader, policy, tags } = req;
    const controller = new AbortController();
    const started = performance.now();
    const loaded = (async () => {
      const value = await loader({ key, signal: controller.signal, stale: stale?.v });
      this.metrics.loader(ns, 'ok', (performance.now() - started) / 1000);
      if (value !== undefined) {
        try {
          await this.write([this.prepare(full, value, policy, tags)], false);
        } catch (error) {
          // Uncacheable (too large, not serializable): the caller still gets the value.
          this.events.emit('error', { message: `value loaded for ${full} was not cached`, error });
        }
      }
      return value;
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
          this.metrics.loader(
            ns,
            controller.signal.aborted ? 'timeout' : 'error',
            (performance.now() - started) / 1000,
          );
          this.events.emit('loader:error', { key: full, error });
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
    this.metrics.staleServed(ns, reason);
    if (this.events.has('stale')) this.events.emit('stale', { key: full, reason });
    return stale.v;
  }

  /** Stale-while-revalidate: one background refresh per key per process (and per cluster, with a lease). */
  private refresh<T>(req: LoadRequest<T>, current: StoredEntry): void {
    const { full, ns } = req;
    if (this.refreshing.has(full) || this.inflight.has(full)) return;
    this.refreshing.add(full);
    this.serveStale(full, ns, current as StoredEntry<T>, 'swr');
    const leases = req.useLease && this.parts.leaseMs !== false ? this.parts.l2?.leases : undefined;
    const token = randomUUID();
    const run = async () => {
      if (leases !== undefined && this.parts.breaker.state !== 'open') {
        const got = await this.l2Call('lease.acquire', () =>
          leases.acquire(full, token, this.parts.leaseMs as number),
        ).catch(() => true);
        if (!got) return;
        try {
          await this.runLoader(req, current as StoredEntry<T>);
        } finally {
          await this.l2Call('lease.release', () => leases.release(full, token)).catch(() => undefined);
        }
        return;
      }
      await this.runLoader(req, current as StoredEntry<T>);
    };
    run()
      .catch((error: unknown) =>
        this.events.emit('error', { message: `background refresh of ${full} failed`, error }),
      )
      .finally(() => this.refreshing.delete(full));
  }

  // ---------------------------------------------------------------- L2 guard

  /** Every L2 call goes through the breaker with a timeout; failures become {@link L2UnavailableError}. */
  private async l2Call<R>(op: string, fn: () => Promise<R>): Promise<R> {
    // Successful calls are timed 1 in 8 (histogram observations cost more than the rest of the call's
    // bookkeeping); failures are always recorded, so error counts stay exact.
    const timed = (++this.l2Sample & L2_LATENCY_SAMPLE_MASK) === 0;
    const t0 = performance.now();
    try {
      const result = await this.parts.breaker.run(fn, this.parts.l2TimeoutMs);
      if (timed) this.metrics.l2Call(op, 'ok', (performance.now() - t0) / 1000);
      return result;
    } catch (cause) {
      const error =
        cause instanceof L2UnavailableError ? cause : new L2UnavailableError(`L2 ${op} failed`, cause);
      const outcome: L2Outcome = (error as { reason?: L2Outcome }).reason ?? 'error';
      this.metrics.l2Call(op, outcome, (performance.now() - t0) / 1000);
      this.events.emit('l2:error', { op, error });
      throw error;
    }
  }
}
