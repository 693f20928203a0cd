/** `L1Node.queue` of a list head (sentinel). */
export const QUEUE_HEAD = -1;
/** `L1Node.queue` of an entry no longer in the store. */
export const QUEUE_REMOVED = 0;
/** `L1Node.queue` of an entry in the LRU list, or in the W-TinyLFU admission window. */
export const QUEUE_WINDOW = 1;
/** `L1Node.queue` of an entry in the W-TinyLFU main probation segment. */
export const QUEUE_PROBATION = 2;
/** `L1Node.queue` of an entry in the W-TinyLFU main protected segment. */
export const QUEUE_PROTECTED = 3;

/**
 * One L1 entry, and at the same time its link in an intrusive circular doubly-linked access-order list: moving
 * an entry is a few pointer writes and never allocates. Each list has a sentinel head (`queue === QUEUE_HEAD`),
 * so `prev`/`next` are never null.
 */
export class L1Node<V> {
  prev: L1Node<V>;
  next: L1Node<V>;
  /**
   * The sketch epoch at which this entry's frequency counters were all found saturated (0: not known to be).
   * While the sketch's epoch is still this one, counting another access would change nothing, so the
   * W-TinyLFU hit path skips it (see `FrequencySketch.epoch`).
   */
  saturatedAt = 0;
  /**
   * Its list's link count when the node was last linked at the tail (W-TinyLFU window and protected lists):
   * the list's count minus this bounds how many entries are now more recent than it.
   */
  linkedAt = 0;
  /**
   * For the reader: the `defaultClock.tick` at which a read last found `value` fresh (see
   * `ReadPath.peekHandle`); 0 (no tick) until then. The store zeroes it whenever it replaces `value`.
   */
  freshTick = 0;
  /**
   * For the reader: what it read out of `value` at {@link freshTick}, so a read in the same tick need not load
   * `value` again. Cleared with `value` (replacement, removal), so it never keeps a value alive outside L1.
   */
  freshRead: unknown = undefined;

  constructor(
    readonly key: string,
    public value: V,
    /** Size given on `set`. */
    public bytes: number,
    /** Absolute expiry time on the store's clock; `Infinity` for never. */
    public expiresAt: number,
    /** Cached sketch hash of `key` (0 for the LRU policy, which has no sketch). */
    readonly hash: number,
    /** Which list the node is in: one of the `QUEUE_*` constants. */
    public queue: number,
  ) {
    this.prev = this;
    this.next = this;
  }
}

/** Creates the sentinel head of an empty list. */
export function createHead<V>(): L1Node<V> {
  return new L1Node<V>('', undefined as V, 0, Infinity, 0, QUEUE_HEAD);
}

/** Appends `node` as the most recently used entry of the list headed by `head`. */
export function linkLast<V>(head: L1Node<V>, node: L1Node<V>): void {
  const last = head.prev;
  node.prev = last;
  node.next = head;
  last.next = node;
  head.prev = node;
}

/** Takes `node` out of whatever list it is in. */
export function unlink<V>(node: L1Node<V>): void {
  node.prev.next = node.next;
  node.next.prev = node.prev;
}

/** Makes `node` (already in the list headed by `head`) the most recently used entry. */
export function moveToLast<V>(head: L1Node<V>, node: L1Node<V>): void {
  if (head.prev === node) return;
  node.prev.next = node.next;
  node.next.prev = node.prev;
  linkLast(head, node);
}

/** The least recently used entry of a list, or `null` when empty. */
export function firstOf<V>(head: L1Node<V>): L1Node<V> | null {
  const first = head.next;
  return first === head ? null : first;
}

/** The entry after `node` in its list, or `null` at the end. */
export function nextOf<V>(node: L1Node<V>): L1Node<V> | null {
  const next = node.next;
  return next.queue === QUEUE_HEAD ? null : next;
}

/** Empties a list (the nodes are dropped, not unlinked one by one). */
export function resetHead<V>(head: L1Node<V>): void {
  head.prev = head;
  head.next = head;
}
