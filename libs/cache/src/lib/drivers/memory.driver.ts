import type { CacheDriver, DriverEntry, HeadMatch, LeaseProvider, TagIndex } from '../core/driver';
import { InvalidTtlError } from '../core/errors';

/** Settings of a {@link MemoryDriver}. */
export interface MemoryDriverOptions {
  /** The driver's `name` (default `'memory'`), e.g. to tell two stand-ins apart in metrics. */
  readonly name?: string;
  /** Clock in ms since epoch; default `Date.now` (which Jest modern fake timers also control). */
  readonly now?: () => number;
}

interface Expiring<T> {
  readonly value: T;
  readonly expiresAt: number;
}

/** Sweep expired entries after this many writes, so a long-lived stand-in does not grow without bound. */
const SWEEP_EVERY_WRITES = 1024;

const expiryOf = (now: number, ttlMs: number): number => {
  if (!(ttlMs > 0) || !Number.isFinite(ttlMs))
    throw new InvalidTtlError(`ttlMs: expected a finite number > 0, got ${ttlMs}`);
  return now + ttlMs;
};

/**
 * An in-process L2 stand-in: a `Map` with expiry timestamps (expired entries are dropped when read and swept
 * periodically), plus in-memory tags and leases with the same semantics as the Redis driver. Used by unit
 * tests of the engine and as the `memory` target of the driver contract suite. Not shared across processes.
 */
export class MemoryDriver implements CacheDriver {
  /** `'memory'` unless another name was given. */
  readonly name: string;
  /** In-memory tag index (tag sets whose expiry only grows). */
  readonly tags: TagIndex;
  /** In-memory leases (token-checked release, expiry). */
  readonly leases: LeaseProvider;
  private readonly entries = new Map<string, Expiring<string>>();
  private readonly tagSets = new Map<string, { members: Set<string>; expiresAt: number }>();
  private readonly leaseMap = new Map<string, Expiring<string>>();
  private readonly now: () => number;
  private writes = 0;

  constructor(options: MemoryDriverOptions = {}) {
    this.name = options.name ?? 'memory';
    this.now = options.now ?? Date.now;
    this.tags = {
      add: async (key, tags, ttlMs) => {
        const now = this.now();
        const expiresAt = expiryOf(now, ttlMs);
        for (const tag of tags) {
          const set = this.tagSets.get(tag);
          if (set === undefined || set.expiresAt <= now) {
            this.tagSets.set(tag, { members: new Set([key]), expiresAt });
          } else {
            set.members.add(key);
            if (set.expiresAt < expiresAt) set.expiresAt = expiresAt;
          }
        }
      },
      take: async (tags) => {
        const now = this.now();
        const keys = new Set<string>();
        for (const tag of tags) {
          const set = this.tagSets.get(tag);
          if (set === undefined) continue;
          this.tagSets.delete(tag);
          if (set.expiresAt > now) for (const key of set.members) keys.add(key);
        }
        return [...keys];
      },
    };
    this.leases = {
      acquire: async (key, token, ttlMs) => {
        const now = this.now();
        const expiresAt = expiryOf(now, ttlMs);
        const held = this.leaseMap.get(key);
        if (held !== undefined && held.expiresAt > now) return false;
        this.leaseMap.set(key, { value: token, expiresAt });
        return true;
      },
      release: async (key, token) => {
        const held = this.leaseMap.get(key);
        if (held !== undefined && held.value === token) this.leaseMap.delete(key);
      },
      isHeld: async (key) => this.live(this.leaseMap, key) !== undefined,
    };
  }

  /** Live (unexpired) entries, for assertions in tests. */
  get size(): number {
    this.sweep();
    return this.entries.size;
  }

  /** The value, or `undefined` when absent or expired. */
  async get(key: string): Promise<string | undefined> {
    return this.live(this.entries, key);
  }

  /** Values in the order of `keys`. */
  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    return keys.map((key) => this.live(this.entries, key));
  }

  /** Stores a value for `ttlMs`. */
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: expiryOf(this.now(), ttlMs) });
    this.wrote(1);
  }

  /** Stores every entry with its own TTL. */
  async setMany(entries: readonly DriverEntry[]): Promise<void> {
    const now = this.now();
    const expiries = entries.map((entry) => expiryOf(now, entry.ttlMs)); // validate all before writing any
    entries.forEach((entry, i) =>
      this.entries.set(entry.key, { value: entry.value, expiresAt: expiries[i] }),
    );
    this.wrote(entries.length);
  }

  /** `true` when the key existed (and was not expired). */
  async delete(key: string): Promise<boolean> {
    const existed = this.live(this.entries, key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  /** How many of the keys existed. */
  async deleteMany(keys: readonly string[]): Promise<number> {
    let count = 0;
    for (const key of keys) if (await this.delete(key)) count++;
    return count;
  }

  /** Deletes each key whose live value starts with its head (atomic: nothing runs in between here). */
  async deleteIfHead(targets: readonly HeadMatch[]): Promise<boolean[]> {
    return targets.map(({ key, head }) => {
      const value = this.live(this.entries, key);
      if (head === '' || value === undefined || !value.startsWith(head)) return false;
      this.entries.delete(key);
      return true;
    });
  }

  /** Whether the key exists and is not expired. */
  async has(key: string): Promise<boolean> {
    return this.live(this.entries, key) !== undefined;
  }

  /** Deletes every live key starting with `prefix` (a literal string, no glob); resolves how many. */
  async deleteByPrefix(prefix: string): Promise<number> {
    const now = this.now();
    let count = 0;
    for (const [key, entry] of this.entries) {
      if (!key.startsWith(prefix)) continue;
      this.entries.delete(key);
      if (entry.expiresAt > now) count++;
    }
    for (const key of this.leaseMap.keys()) if (key.startsWith(prefix)) this.leaseMap.delete(key);
    return count;
  }

  /** Forgets everything (entries, tags, leases). */
  clear(): void {
    this.entries.clear();
    this.tagSets.clear();
    this.leaseMap.clear();
  }

  /** Nothing to release. */
  async disconnect(): Promise<void> {
    // Nothing is owned outside the process heap.
  }

  private live(map: Map<string, Expiring<string>>, key: string): string | undefined {
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.now()) return entry.value;
    map.delete(key);
    return undefined;
  }

  private wrote(count: number): void {
    this.writes += count;
    if (this.writes >= SWEEP_EVERY_WRITES) this.sweep();
  }

  private sweep(): void {
    this.writes = 0;
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    for (const [key, entry] of this.leaseMap) if (entry.expiresAt <= now) this.leaseMap.delete(key);
    for (const [tag, set] of this.tagSets) if (set.expiresAt <= now) this.tagSets.delete(tag);
  }
}
