import { randomBytes } from 'node:crypto';
import type { InvalidationOp } from '../bus/bus';
import { encodeEntry, entryHead, type StoredEntry } from '../core/codec';
import type { DriverEntry } from '../core/driver';
import { EntryTooLargeError, L2UnavailableError, UnsupportedOperationError } from '../core/errors';
import type { CoreContext } from './core-context';
import type { ResolvedPolicy } from './policy';

/**
 * Write ids of loader fills: this process's random tag (48 bits, base64url) and a counter, so two processes
 * practically never share one, and no id needs JSON escaping. Cheaper than a UUID per fill, and shorter.
 */
const PROCESS_TAG = randomBytes(6).toString('base64url');
let fillCount = 0;
const nextWriteId = (): string => PROCESS_TAG + (++fillCount).toString(36);

/** An entry ready to be written: encoded once, sized once. */
export interface PreparedEntry {
  readonly full: string;
  readonly entry: StoredEntry;
  readonly raw: string;
  /** A fill's: the opening of `raw` that names this write (see {@link RecentFills}); `undefined` otherwise. */
  readonly head?: string;
  readonly bytes: number;
  readonly policy: ResolvedPolicy;
}

/**
 * Writes and invalidations: L2 first, then this process's L1, then the other instances (the bus). Methods take
 * full keys. A failed L2 write is reported but does not fail the write (L1 still holds the value); a failed L2
 * delete or invalidation rejects with `E_L2_UNAVAILABLE` after evicting locally, so the caller can retry.
 */
export class WritePath {
  constructor(private readonly core: CoreContext) {}

  /**
   * Validates, encodes and sizes an entry; throws before anything is written. `fill`: a loader's fill, whose
   * stored entry starts with a write id, so that a later repair deletes it from L2 only while L2 still holds
   * this very write.
   */
  prepare(
    full: string,
    value: unknown,
    policy: ResolvedPolicy,
    tags: readonly string[] | undefined,
    fill = false,
  ): PreparedEntry {
    const { l2, maxEntryBytes } = this.core.parts;
    const now = Date.now();
    const lifetime = l2 !== undefined ? policy.l2Ms : policy.l1Ms || policy.l2Ms;
    const e = now + lifetime;
    const entry: { v: unknown; e: number; s?: number; g?: number; t?: readonly string[] } = { v: value, e };
    if (policy.softMs > 0 && policy.softMs < lifetime) entry.s = now + policy.softMs;
    if (policy.graceMs > 0) entry.g = e + policy.graceMs;
    if (tags !== undefined && tags.length > 0) entry.t = tags;
    const writeId = fill && l2 !== undefined ? nextWriteId() : undefined;
    const raw = encodeEntry(full, entry, writeId);
    const bytes = raw.length < 1 << 16 ? Buffer.byteLength(raw) : raw.length * 2;
    if (bytes > maxEntryBytes) throw new EntryTooLargeError(full, bytes, maxEntryBytes);
    const head = writeId === undefined ? undefined : entryHead(writeId);
    return { full, entry, raw, head, bytes, policy };
  }

  /**
   * Writes prepared entries to L2 (then the tag index), then L1, then tells other instances. `publish: false`
   * is a loader's fill: the other instances hold nothing newer, so they are not told; and a fill that a change
   * of its key overtakes while its L2 write is in flight stays out of L1 (see {@link RecentFills} for L2).
   */
  async write(entries: readonly PreparedEntry[], publish: boolean): Promise<void> {
    const { parts, mutations, events, fills } = this.core;
    const l2 = parts.l2;
    const op: InvalidationOp = { type: 'keys', keys: entries.map((p) => p.full) };
    let publishAfter = publish;
    let l2Failed = false;
    for (const p of entries) mutations.mutated(p.full);
    let overtaken: readonly boolean[] | undefined;
    if (l2 !== undefined) {
      const fill = publish ? undefined : mutations.beginRead();
      if (fill !== undefined) for (const p of entries) fills.begin(p.full, p.entry.t, p.head);
      try {
        const now = Date.now();
        const batch: DriverEntry[] = entries.map((p) => ({
          key: p.full,
          value: p.raw,
          ttlMs: Math.max(1, (p.entry.g ?? p.entry.e) - now),
        }));
        const written =
          batch.length === 1
            ? this.core.l2.call('set', () => l2.set(batch[0].key, batch[0].value, batch[0].ttlMs))
            : this.core.l2.call('setMany', () => l2.setMany(batch));
        // A single key's message goes right behind its SET (a writer's latency path); a batch keeps one
        // merged message per tick, so a consumer's batch of evictions stays one bus message.
        if (publishAfter && batch.length === 1 && this.core.publishBehindL2(op)) publishAfter = false;
        await written;
        const tags = l2.tags;
        if (tags !== undefined) {
          const tagged = entries.flatMap((p, i) =>
            p.entry.t === undefined ? [] : [{ tags: p.entry.t, ...batch[i] }],
          );
          if (tagged.length > 0) {
            await this.core.l2.call('tags.add', () =>
              Promise.all(tagged.map((e) => tags.add(e.key, e.tags, e.ttlMs))),
            );
          }
        }
      } catch (error) {
        if (!(error instanceof L2UnavailableError)) throw error;
        // A change whose SET failed leaves L2 with what it held before: handled like a failed delete below.
        l2Failed = publish;
      } finally {
        if (fill !== undefined) {
          overtaken = entries.map((p) => mutations.changedSince(p.full, fill, p.entry.t));
          mutations.endRead();
          for (const p of entries) fills.end(p.full);
        }
      }
      // Reads that started while L2 was being written may carry the old value: keep them out of L1.
      for (const p of entries) mutations.mutated(p.full);
    }
    for (const [i, p] of entries.entries()) {
      if (overtaken?.[i]) this.core.l1.drop(p.full);
      else if (p.policy.l1Ms > 0) this.core.l1.keep(p.full, p.entry, p.policy.l1Ms);
      else this.core.l1.drop(p.full);
      if (events.has('set')) events.emit('set', { key: p.full });
    }
    if (l2Failed) this.unsettle(op);
    else if (publishAfter) this.core.publish(op);
  }

  /** Deletes keys from L1, L2 and every other instance's L1; resolves how many existed. */
  async deleteMany(fulls: readonly string[]): Promise<number> {
    const { mutations, events } = this.core;
    let local = 0;
    for (const full of fulls) {
      mutations.mutated(full);
      if (this.core.l1.drop(full)) local++;
      if (events.has('delete')) events.emit('delete', { key: full });
    }
    const l2 = this.core.parts.l2;
    const work = async () => {
      if (l2 === undefined) return local;
      return fulls.length === 1
        ? Number(await this.core.l2.call('delete', () => l2.delete(fulls[0])))
        : this.core.l2.call('deleteMany', () => l2.deleteMany(fulls));
    };
    return this.thenPublish({ type: 'keys', keys: fulls }, work, fulls.length === 1);
  }

  /** Evicts every entry carrying one of the tags, everywhere. */
  async invalidateTags(fullTags: readonly string[]): Promise<number> {
    let local = 0;
    for (const tag of fullTags) local += this.core.l1.dropTag(tag);
    const op: InvalidationOp = { type: 'tags', tags: fullTags };
    this.core.mutations.applied(op);
    const l2 = this.core.parts.l2;
    const count = await this.thenPublish(op, async () => {
      if (l2 === undefined) return local;
      const tags = l2.tags;
      if (tags === undefined) throw new UnsupportedOperationError(`L2 driver ${l2.name} cannot index tags`);
      const keys = await this.core.l2.call('tags.take', () => tags.take(fullTags));
      return keys.length > 0 ? this.core.l2.call('deleteMany', () => l2.deleteMany(keys)) : 0;
    });
    this.core.events.emit('tags:invalidated', { tags: fullTags, keys: count });
    return count;
  }

  /** Deletes every key under `prefix` in L1, on every L2 master, and on every instance. */
  async clearPrefix(prefix: string): Promise<number> {
    const op: InvalidationOp = { type: 'prefix', prefix };
    this.core.mutations.applied(op);
    const local = this.core.l1.dropPrefix(prefix);
    const l2 = this.core.parts.l2;
    const count = await this.thenPublish(op, async () =>
      l2 === undefined ? local : this.core.l2.call('deleteByPrefix', () => l2.deleteByPrefix(prefix)),
    );
    this.core.events.emit('cleared', { prefix, count });
    return count;
  }

  /**
   * The L2 side of `op` failed: L2 may still hold the old copies (or a stalled command may land later). Reads
   * here keep off them and the deletion is retried until it lands; the other instances are told the same way.
   */
  private unsettle(op: InvalidationOp): void {
    this.core.unsettled.add(op);
    this.core.mutations.applied(op);
    this.core.publish(op.type === 'all' ? op : { ...op, unsettled: true });
  }

  /** Runs the L2 side of `op` again (for {@link UnsettledInvalidations}); rejects while L2 fails. */
  async retryL2(op: InvalidationOp): Promise<void> {
    const l2 = this.core.parts.l2;
    if (l2 === undefined) return;
    switch (op.type) {
      case 'keys':
        await this.core.l2.call('deleteMany', () => l2.deleteMany(op.keys));
        return;
      case 'tags': {
        const tags = l2.tags;
        if (tags === undefined) return;
        const keys = await this.core.l2.call('tags.take', () => tags.take(op.tags));
        if (keys.length > 0) await this.core.l2.call('deleteMany', () => l2.deleteMany(keys));
        return;
      }
      case 'prefix':
        await this.core.l2.call('deleteByPrefix', () => l2.deleteByPrefix(op.prefix));
        return;
      case 'all':
        return;
    }
  }

  /**
   * Runs the L2 side of an invalidation, then tells the other instances, even when L2 failed (their L1 must
   * go either way). Publishing only once L2 is updated matters: a peer that evicts and re-reads L2 before the
   * delete landed would put the old value back into its L1. Marking what the op changed again afterwards keeps
   * local reads that started during the L2 call from backfilling what they read.
   */
  private async thenPublish<R>(op: InvalidationOp, work: () => Promise<R>, oneCommand = false): Promise<R> {
    // `oneCommand`: `work` issues its only L2 command synchronously, so the message may go right behind it.
    const pending = work();
    let sent = oneCommand && this.core.publishBehindL2(op);
    try {
      return await pending;
    } catch (error) {
      if (error instanceof L2UnavailableError) {
        this.unsettle(op);
        sent = true;
      }
      throw error;
    } finally {
      this.core.mutations.applied(op);
      if (!sent) this.core.publish(op);
    }
  }
}
