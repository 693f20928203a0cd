/** Smallest table the sketch allocates, in entries of estimated capacity. */
const MIN_CAPACITY = 16;
/** Largest capacity the sketch grows to (2^26 entries: a 512 MB table of 4-bit counters would be absurd). */
const MAX_CAPACITY = 1 << 26;
/** Aging period: counters are halved after this many increments per unit of capacity (Caffeine uses 10). */
const SAMPLE_FACTOR = 10;
/** Lowest bit of every 4-bit counter in a 32-bit word. */
const ONE_MASK = 0x11111111;
/** Clears the bit that a right shift moves from one counter into its neighbour. */
const RESET_MASK = 0x77777777;
/** Source of {@link FrequencySketch.epoch}: unique across sketches, so an epoch from one never matches another. */
let lastEpoch = 0;

/**
 * A 32-bit hash of a string (FNV-1a over UTF-16 code units, then the murmur3 finalizer so every output bit
 * depends on every input bit). `seed` makes collisions unpredictable to a client choosing keys.
 */
export function hashString(key: string, seed: number): number {
  let h = (seed ^ 0x811c9dc5) | 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/**
 * The Count-Min sketch of W-TinyLFU, as in Caffeine: 4-bit counters (saturating at 15), four per item, packed
 * eight to a 32-bit word; every `10 × capacity` increments all counters are halved so old popularity fades.
 * As in Caffeine 3, an item's four counters lie in one 64-byte block (one cache line): the low hash bits pick
 * the block, a rehash picks one word in each quarter of it and a counter in that word.
 * Items are identified by a precomputed 32-bit hash (see {@link hashString}) so hot paths do not rehash keys.
 */
export class FrequencySketch {
  private table = new Uint32Array(0);
  private blockMask = 0;
  private sampleSize = 0;
  private additions = 0;
  private capacityValue = 0;
  private epochValue = ++lastEpoch;

  constructor(initialCapacity = MIN_CAPACITY) {
    this.ensureCapacity(initialCapacity);
  }

  /** Number of items the table is sized for (a power of two); grows with {@link ensureCapacity}. */
  get capacity(): number {
    return this.capacityValue;
  }

  /** Increments recorded since the last aging (exposed for tests). */
  get sampleCount(): number {
    return this.additions;
  }

  /**
   * Changes whenever counters can go down (aging, {@link clear}, growth; never between two of them, where
   * counters only grow). An item {@link increment} found saturated at epoch `e` stays saturated while the
   * epoch is still `e`, so its next increments are no-ops a caller may skip (see `TinyLfuMemoryStore.touch`).
   */
  get epoch(): number {
    return this.epochValue;
  }

  /** Increments after which the counters are halved. */
  get resetThreshold(): number {
    return this.sampleSize;
  }

  /**
   * Grows the table to hold about `expectedItems` items (rounded up to a power of two). Growing forgets all
   * counts, like Caffeine; it never shrinks, so calling it with a smaller number is free.
   */
  ensureCapacity(expectedItems: number): void {
    if (expectedItems <= this.capacityValue || this.capacityValue >= MAX_CAPACITY) return;
    const capacity = ceilPowerOfTwo(Math.min(Math.max(expectedItems, MIN_CAPACITY), MAX_CAPACITY));
    // Two words (16 counters) per item, as Caffeine's one long per item, in 64-byte blocks of 16 words.
    this.table = new Uint32Array(capacity * 2);
    this.blockMask = capacity / 8 - 1;
    this.sampleSize = SAMPLE_FACTOR * capacity;
    this.additions = 0;
    this.capacityValue = capacity;
    this.epochValue = ++lastEpoch;
  }

  /** Estimated number of recent occurrences of the item, 0 to 15. */
  frequency(hash: number): number {
    const t = this.table;
    const block = (hash & this.blockMask) << 4;
    const h = rehash(hash);
    let min = (t[block + (h & 3)] >>> (((h >>> 2) & 7) << 2)) & 15;
    let c = (t[block + 4 + ((h >>> 8) & 3)] >>> (((h >>> 10) & 7) << 2)) & 15;
    if (c < min) min = c;
    c = (t[block + 8 + ((h >>> 16) & 3)] >>> (((h >>> 18) & 7) << 2)) & 15;
    if (c < min) min = c;
    c = (t[block + 12 + ((h >>> 24) & 3)] >>> (((h >>> 26) & 7) << 2)) & 15;
    return c < min ? c : min;
  }

  /**
   * Records one occurrence of the item; ages the whole sketch when the sample period is reached. Returns
   * `false` when all four of the item's counters were already saturated (15), so nothing changed.
   */
  increment(hash: number): boolean {
    const block = (hash & this.blockMask) << 4;
    const h = rehash(hash);
    const added =
      this.incrementAt(block + (h & 3), (h >>> 2) & 7) |
      this.incrementAt(block + 4 + ((h >>> 8) & 3), (h >>> 10) & 7) |
      this.incrementAt(block + 8 + ((h >>> 16) & 3), (h >>> 18) & 7) |
      this.incrementAt(block + 12 + ((h >>> 24) & 3), (h >>> 26) & 7);
    if (added === 0) return false;
    if (++this.additions >= this.sampleSize) this.reset();
    return true;
  }

  /** Forgets every count (keeps the size). */
  clear(): void {
    this.table.fill(0);
    this.additions = 0;
    this.epochValue = ++lastEpoch;
  }

  /** Increments counter `counter` (0–7) of word `index` unless saturated; 1 when it changed. */
  private incrementAt(index: number, counter: number): number {
    const shift = counter << 2;
    const word = this.table[index];
    if (((word >>> shift) & 15) === 15) return 0;
    this.table[index] = word + (1 << shift);
    return 1;
  }

  /** Halves every counter; the sample count drops by the same proportion (minus truncated odd counts). */
  private reset(): void {
    const t = this.table;
    let odd = 0;
    for (let i = 0; i < t.length; i++) {
      const word = t[i];
      // Sums the eight low bits into the top nibble (each partial sum ≤ 8, so no carries between nibbles).
      odd += Math.imul(word & ONE_MASK, ONE_MASK) >>> 28;
      t[i] = (word >>> 1) & RESET_MASK;
    }
    this.additions = (this.additions - (odd >>> 2)) >>> 1;
    this.epochValue = ++lastEpoch;
  }
}

/** Second mix of the hash; each of its four bytes places one counter inside the block. */
function rehash(hash: number): number {
  let h = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return h ^ (h >>> 15);
}

function ceilPowerOfTwo(n: number): number {
  return n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n));
}
