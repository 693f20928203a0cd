import { createHead, L1Node, linkLast, moveToLast, QUEUE_WINDOW, resetHead, unlink } from './access-list';
import { BaseMemoryStore, type MemoryStoreOptions } from './base-memory.store';

/**
 * Classic LRU bounded by bytes: every access moves the entry to the tail; inserting evicts from the head
 * (expired entries there are reported `'expired'`, live ones `'evicted'`) until the bytes fit.
 */
export class LruMemoryStore<V> extends BaseMemoryStore<V> {
  private readonly head = createHead<V>();

  constructor(options: MemoryStoreOptions) {
    super(options);
  }

  /** Returns the live value and makes it the most recently used entry. */
  get(key: string): V | undefined {
    const node = this.map.get(key);
    if (node === undefined) return undefined;
    const expiresAt = node.expiresAt;
    if (expiresAt !== Infinity && expiresAt <= this.clock()) {
      this.expireOnRead(node);
      return undefined;
    }
    moveToLast(this.head, node);
    return node.value;
  }

  /** Makes a live node the most recently used entry, as {@link get} does. */
  touch(node: L1Node<V>): void {
    moveToLast(this.head, node);
  }

  protected insert(key: string, value: V, bytes: number, expiresAt: number, now: number): boolean {
    const node = new L1Node(key, value, bytes, expiresAt, 0, QUEUE_WINDOW);
    this.map.set(key, node);
    linkLast(this.head, node);
    this.weight += bytes;
    if (this.weight > this.maxBytes) this.evictToFit(now);
    return true;
  }

  protected update(node: L1Node<V>, value: V, bytes: number, expiresAt: number, now: number): boolean {
    this.weight += bytes - node.bytes;
    node.value = value;
    node.bytes = bytes;
    node.expiresAt = expiresAt;
    moveToLast(this.head, node);
    if (this.weight > this.maxBytes) this.evictToFit(now);
    return true;
  }

  protected unlinkFromPolicy(node: L1Node<V>): void {
    unlink(node);
  }

  protected resetQueues(): void {
    resetHead(this.head);
  }

  /** Evicts from the LRU end; the entry just written is last and ≤ maxBytes, so it always survives. */
  private evictToFit(now: number): void {
    const head = this.head;
    while (this.weight > this.maxBytes) {
      const victim = head.next;
      if (victim === head) break;
      this.evict(victim, victim.expiresAt <= now ? 'expired' : 'evicted');
    }
  }
}
