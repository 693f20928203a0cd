import type { InvalidationOp } from './bus';
import { CODE_BY_TYPE, UNSETTLED_CODE_BY_TYPE, type WireOp } from './wire-codec';

/**
 * The ops a sender queued since its last flush, merged and de-duplicated, bounded by `maxPendingKeys`: past it
 * the queue is replaced by one `all` op (receivers drop their L1, which is what a lost batch would force anyway).
 */
export class PendingOps {
  private keys = new Set<string>();
  private tags = new Set<string>();
  private prefixes = new Set<string>();
  /** Ops whose sender's L2 side failed (`unsettled`), sent under their own codes. */
  private unsettledKeys = new Set<string>();
  private unsettledTags = new Set<string>();
  private unsettledPrefixes = new Set<string>();
  private all = false;

  constructor(private readonly maxPendingKeys: number) {}

  /** Keys, tags and prefixes queued (an `all` counts one). */
  get size(): number {
    return this.settledSize + this.unsettledSize + (this.all ? 1 : 0);
  }

  private get settledSize(): number {
    return this.keys.size + this.tags.size + this.prefixes.size;
  }

  private get unsettledSize(): number {
    return this.unsettledKeys.size + this.unsettledTags.size + this.unsettledPrefixes.size;
  }

  /** Queues an op; returns how many keys/tags/prefixes were collapsed into `all` by it. */
  add(op: InvalidationOp): number {
    if (this.all) {
      // Already dropping everything: the op is subsumed.
      if (op?.type === 'keys') return op.keys.length;
      if (op?.type === 'tags') return op.tags.length;
      return op?.type === 'prefix' ? 1 : 0;
    }
    switch (op?.type) {
      case 'keys': {
        const keys = op.unsettled ? this.unsettledKeys : this.keys;
        for (const key of op.keys) keys.add(key);
        break;
      }
      case 'tags': {
        const tags = op.unsettled ? this.unsettledTags : this.tags;
        for (const tag of op.tags) tags.add(tag);
        break;
      }
      case 'prefix':
        (op.unsettled ? this.unsettledPrefixes : this.prefixes).add(op.prefix);
        break;
      default:
        // 'all' — and, from untyped callers, anything unknown: the conservative reading is "drop everything".
        this.all = true;
    }
    return this.all || this.size > this.maxPendingKeys ? this.collapse() : 0;
  }

  /**
   * Empties the queue into messages of at most `maxBatchKeys` keys/tags/prefixes each, in wire form: a lone
   * `all` when the queue collapsed, none when it was empty.
   */
  drain(maxBatchKeys: number): WireOp[][] {
    if (this.all) {
      this.all = false;
      return [[[CODE_BY_TYPE.all]]];
    }
    const messages: WireOp[][] = [];
    let ops: WireOp[] = [];
    let room = maxBatchKeys;
    const emit = () => {
      messages.push(ops);
      ops = [];
      room = maxBatchKeys;
    };
    const addGroup = (code: string, items: Set<string>) => {
      let group: string[] | undefined;
      for (const item of items) {
        if (room === 0) {
          emit();
          group = undefined;
        }
        if (group === undefined) {
          group = [code];
          ops.push(group);
        }
        group.push(item);
        room--;
      }
    };
    const addPrefixes = (code: string, prefixes: Set<string>) => {
      for (const prefix of prefixes) {
        if (room === 0) emit();
        ops.push([code, prefix]);
        room--;
      }
    };
    addGroup(CODE_BY_TYPE.keys, this.keys);
    addGroup(CODE_BY_TYPE.tags, this.tags);
    addPrefixes(CODE_BY_TYPE.prefix, this.prefixes);
    // Unsettled after settled: a receiver seeing both for one key in a message ends with it unsettled.
    addGroup(UNSETTLED_CODE_BY_TYPE.keys, this.unsettledKeys);
    addGroup(UNSETTLED_CODE_BY_TYPE.tags, this.unsettledTags);
    addPrefixes(UNSETTLED_CODE_BY_TYPE.prefix, this.unsettledPrefixes);
    if (ops.length > 0) emit();
    for (const set of this.sets()) set.clear();
    return messages;
  }

  /** Replaces the queue by `all`; returns how many keys/tags/prefixes that dropped. */
  private collapse(): number {
    const dropped = this.settledSize + this.unsettledSize;
    for (const set of this.sets()) set.clear();
    this.all = true;
    return dropped;
  }

  private sets(): Set<string>[] {
    return [
      this.keys,
      this.tags,
      this.prefixes,
      this.unsettledKeys,
      this.unsettledTags,
      this.unsettledPrefixes,
    ];
  }
}
