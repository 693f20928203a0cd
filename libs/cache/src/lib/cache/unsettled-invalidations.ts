import type { InvalidationOp } from '../bus/bus';

/** Most keys, tags and prefixes kept unsettled; past it the oldest are given up (and counted). */
const DEFAULT_MAX_ITEMS = 10_000;
/** How long a failed invalidation is retried; L2 entries outliving it are bounded by their own TTL. */
const DEFAULT_MAX_AGE_MS = 10 * 60_000;
/** How long another instance's unsettled op keeps its keys off L2 reads if its settled op never comes. */
const REMOTE_MAX_AGE_MS = 30_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;

/** Options of {@link UnsettledInvalidations}. */
export interface UnsettledOptions {
  /** Runs the L2 side of `op` again (delete the keys, the tags' keys, the prefix); rejects while L2 fails. */
  readonly retry: (op: InvalidationOp) => Promise<unknown>;
  /** `op` finally reached L2: tell the other instances again (they may have refilled L1 from the old copy). */
  readonly settled: (op: InvalidationOp) => void;
  /** Items given up (too many, or retried for too long): their L2 copy may stay until its TTL. */
  readonly gaveUp?: (count: number) => void;
  readonly maxItems?: number;
  readonly maxAgeMs?: number;
}

/**
 * Invalidations whose L2 side failed (Redis down or timing out, a Cluster master failing over before its
 * replica is promoted). L2 may still hold the old value, and after a failover the promoted replica surely does,
 * so until the deletion lands: reads do not take those keys from L2 (they load from the source instead), and
 * the deletion is retried with backoff. When it lands, the op is published again, since other instances may
 * have read the old copy back from L2 meanwhile. Other instances hear of the failure too (the op goes out
 * `unsettled`, see `bus.ts`) and keep the same keys off their L2 reads until the settled op arrives
 * ({@link remember}, {@link forget}; at most 30 s). In-memory only: the Kafka consumer, which commits only after
 * its evictions succeeded, is what survives a restart.
 */
/** When an item last failed (for expiry) and which failure that was (so a retry settles only what it covered). */
interface Failure {
  readonly since: number;
  readonly seq: number;
}

export class UnsettledInvalidations {
  private readonly keys = new Map<string, Failure>();
  private readonly tags = new Map<string, Failure>();
  private readonly prefixes = new Map<string, Failure>();
  private seq = 0;
  /** Another instance's unsettled ops: name → when heard (no retry here; its sender retries). */
  private readonly remote = {
    keys: new Map<string, number>(),
    tags: new Map<string, number>(),
    prefixes: new Map<string, number>(),
  };
  private timer: NodeJS.Timeout | undefined;
  private pauseMs = RETRY_MIN_MS;
  private retrying = false;
  private readonly maxItems: number;
  private readonly maxAgeMs: number;

  constructor(private readonly options: UnsettledOptions) {
    this.maxItems = options.maxItems ?? DEFAULT_MAX_ITEMS;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  }

  /** Keys, tags and prefixes whose deletion has not reached L2 yet. */
  get size(): number {
    return this.keys.size + this.tags.size + this.prefixes.size;
  }

  private get remoteSize(): number {
    return this.remote.keys.size + this.remote.tags.size + this.remote.prefixes.size;
  }

  /** Another instance's L2 side of `op` failed: keep its keys off L2 reads here too until {@link forget}. */
  remember(op: InvalidationOp): void {
    const now = Date.now();
    const mark = (items: Map<string, number>, name: string) => {
      items.delete(name);
      items.set(name, now);
      if (items.size > this.maxItems) items.delete(items.keys().next().value as string);
    };
    if (op.type === 'keys') for (const full of op.keys) mark(this.remote.keys, full);
    else if (op.type === 'tags') for (const tag of op.tags) mark(this.remote.tags, tag);
    else if (op.type === 'prefix') mark(this.remote.prefixes, op.prefix);
  }

  /** A settled op arrived: whatever another instance left unsettled under its names has reached L2 since. */
  forget(op: InvalidationOp): void {
    if (this.remoteSize === 0) return;
    if (op.type === 'keys') for (const full of op.keys) this.remote.keys.delete(full);
    else if (op.type === 'tags') for (const tag of op.tags) this.remote.tags.delete(tag);
    else if (op.type === 'prefix') this.remote.prefixes.delete(op.prefix);
    else for (const items of Object.values(this.remote)) items.clear();
  }

  /** Records an op whose L2 side failed, and schedules its retry. `all` is not tracked (no key names it). */
  add(op: InvalidationOp): void {
    const now = Date.now();
    switch (op.type) {
      case 'keys':
        for (const full of op.keys) this.mark(this.keys, full, now);
        break;
      case 'tags':
        for (const tag of op.tags) this.mark(this.tags, tag, now);
        break;
      case 'prefix':
        this.mark(this.prefixes, op.prefix, now);
        break;
      case 'all':
        return;
    }
    this.pauseMs = RETRY_MIN_MS;
    this.schedule();
  }

  /**
   * Whether L2's copy of `full` (stored with `tags`) may predate an invalidation that has not reached L2. Costs
   * one size check while nothing is unsettled, which is nearly always.
   */
  blocks(full: string, tags: readonly string[] | undefined): boolean {
    if (this.size > 0) {
      if (this.keys.has(full)) return true;
      if (tags !== undefined && this.tags.size > 0)
        for (const tag of tags) if (this.tags.has(tag)) return true;
      for (const prefix of this.prefixes.keys()) if (full.startsWith(prefix)) return true;
    }
    return this.remoteSize > 0 && this.blockedByRemote(full, tags);
  }

  private blockedByRemote(full: string, tags: readonly string[] | undefined): boolean {
    const oldest = Date.now() - REMOTE_MAX_AGE_MS;
    const live = (items: Map<string, number>, name: string) => {
      const at = items.get(name);
      if (at === undefined) return false;
      if (at >= oldest) return true;
      items.delete(name);
      return false;
    };
    if (live(this.remote.keys, full)) return true;
    if (tags !== undefined) for (const tag of tags) if (live(this.remote.tags, tag)) return true;
    for (const prefix of [...this.remote.prefixes.keys()])
      if (full.startsWith(prefix) && live(this.remote.prefixes, prefix)) return true;
    return false;
  }

  /** Forgets everything (on disconnect). */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.keys.clear();
    this.tags.clear();
    this.prefixes.clear();
    for (const items of Object.values(this.remote)) items.clear();
  }

  private mark(items: Map<string, Failure>, name: string, now: number): void {
    // Re-inserted: the map stays oldest-first, and a retry already under way does not settle this failure.
    items.delete(name);
    items.set(name, { since: now, seq: ++this.seq });
    if (this.size > this.maxItems) {
      const oldest = items.keys().next().value as string;
      items.delete(oldest);
      this.options.gaveUp?.(1);
    }
  }

  private schedule(): void {
    if (this.timer !== undefined || this.retrying || this.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.retryAll();
    }, this.pauseMs);
    this.timer.unref();
  }

  /** Retries every unsettled op once; what still fails waits for the next round (backoff up to 2 s). */
  private async retryAll(): Promise<void> {
    this.retrying = true;
    let failed = false;
    try {
      this.expire();
      const rounds: [Map<string, Failure>, (names: string[]) => InvalidationOp][] = [
        [this.keys, (keys) => ({ type: 'keys', keys })],
        [this.tags, (tags) => ({ type: 'tags', tags })],
      ];
      for (const [items, build] of rounds) {
        if (items.size === 0) continue;
        const taken = [...items];
        if (!(await this.attempt(build(taken.map(([name]) => name))))) failed = true;
        else settle(items, taken);
      }
      for (const taken of [...this.prefixes]) {
        if (!(await this.attempt({ type: 'prefix', prefix: taken[0] }))) failed = true;
        else settle(this.prefixes, [taken]);
      }
    } finally {
      this.retrying = false;
    }
    this.pauseMs = failed ? Math.min(RETRY_MAX_MS, this.pauseMs * 2) : RETRY_MIN_MS;
    this.schedule();
  }

  private async attempt(op: InvalidationOp): Promise<boolean> {
    try {
      await this.options.retry(op);
    } catch {
      return false;
    }
    this.options.settled(op);
    return true;
  }

  private expire(): void {
    const oldest = Date.now() - this.maxAgeMs;
    let dropped = 0;
    for (const items of [this.keys, this.tags, this.prefixes]) {
      for (const [name, { since }] of items) {
        if (since >= oldest) break;
        items.delete(name);
        dropped++;
      }
    }
    if (dropped > 0) this.options.gaveUp?.(dropped);
  }
}

/** Forgets the failures a successful retry covered; one that failed again meanwhile stays. */
function settle(items: Map<string, Failure>, taken: readonly [string, Failure][]): void {
  for (const [name, failure] of taken) if (items.get(name)?.seq === failure.seq) items.delete(name);
}
