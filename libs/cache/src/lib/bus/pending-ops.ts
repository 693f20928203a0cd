import type { InvalidationOp } from './bus';
import { CODE_BY_TYPE, type WireOp } from './wire-codec';

/**
 * The ops a sender queued since its last flush, merged and de-duplicated, bounded by `maxPendingKeys`: past it
 * the queue is replaced by one `all` op (receivers drop their L1, which is what a lost batch would force anyway).
 */
export class PendingOps {
  private keys = new Set<string>();
  private tags = new Set<string>();
  private prefixes = new Set<string>();
  private all = false;

  constructor(private readonly maxPendingKeys: number) {}

  /** Keys, tags and prefixes queued (an `all` counts one). */
  get size(): number {
    return this.keys.size + this.tags.size + this.prefixes.size + (this.all ? 1 : 0);
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
      case 'keys':
        for (const key of op.keys) this.keys.add(key);
        break;
      case 'tags':
        for (const tag of op.tags) this.tags.add(tag);
        break;
      case 'prefix':
        this.prefixes.add(op.prefix);
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
    addGroup(CODE_BY_TYPE.keys, this.keys);
    addGroup(CODE_BY_TYPE.tags, this.tags);
    for (const prefix of this.prefixes) {
      if (room === 0) emit();
      ops.push([CODE_BY_TYPE.prefix, prefix]);
      room--;
    }
    if (ops.length > 0) emit();
    this.keys.clear();
    this.tags.clear();
    this.prefixes.clear();
    return messages;
  }

  /** Replaces the queue by `all`; returns how many keys/tags/prefixes that dropped. */
  private collapse(): number {
    const dropped = this.keys.size + this.tags.size + this.prefixes.size;
    this.keys = new Set();
    this.tags = new Set();
    this.prefixes = new Set();
    this.all = true;
    return dropped;
  }
}
