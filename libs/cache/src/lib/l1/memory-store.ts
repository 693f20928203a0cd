import { InvalidOptionError } from '../core/errors';
import { BaseMemoryStore, type MemoryStoreOptions } from './base-memory.store';
import { LruMemoryStore } from './lru.policy';
import { TinyLfuMemoryStore } from './tinylfu.policy';

export { BaseMemoryStore, type MemoryStoreOptions } from './base-memory.store';
export { LruMemoryStore } from './lru.policy';
export { TinyLfuMemoryStore } from './tinylfu.policy';

/**
 * Creates the in-process L1 store with the chosen eviction policy. Throws {@link InvalidOptionError} when
 * `maxBytes` or `maxEntryBytes` is not a positive finite number, when `maxEntryBytes > maxBytes`, or for an
 * unknown policy.
 *
 * @example
 * const l1 = createL1Store<Entry>({ maxBytes: 64 * 2 ** 20, maxEntryBytes: 2 ** 20, policy: 'tinylfu' });
 * l1.set('bid:42', entry, 812, 30_000);
 */
export function createL1Store<V>(options: MemoryStoreOptions): BaseMemoryStore<V> {
  const { maxBytes, maxEntryBytes, policy } = options;
  if (!(maxBytes > 0 && maxBytes < Infinity)) {
    throw new InvalidOptionError(`L1 maxBytes must be a positive finite number, got ${maxBytes}`);
  }
  if (!(maxEntryBytes > 0 && maxEntryBytes < Infinity)) {
    throw new InvalidOptionError(`L1 maxEntryBytes must be a positive finite number, got ${maxEntryBytes}`);
  }
  if (maxEntryBytes > maxBytes) {
    throw new InvalidOptionError(
      `L1 maxEntryBytes (${maxEntryBytes}) must not exceed maxBytes (${maxBytes})`,
    );
  }
  if (options.onRemove !== undefined && typeof options.onRemove !== 'function') {
    throw new InvalidOptionError('L1 onRemove must be a function');
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new InvalidOptionError('L1 now must be a function');
  }
  switch (policy) {
    case 'lru':
      return new LruMemoryStore<V>(options);
    case 'tinylfu':
      return new TinyLfuMemoryStore<V>(options);
    default:
      throw new InvalidOptionError(`Unknown L1 policy "${String(policy)}" (expected 'tinylfu' or 'lru')`);
  }
}
