/** Size of a {@link CountMinSketch}, from the error bounds it must meet. */
export interface CountMinSketchOptions {
  /** Relative error: an estimate exceeds the true count by at most `epsilon × total` (with probability 1 − δ). */
  epsilon: number;
  /** Probability that an estimate misses that bound. */
  delta: number;
}

/** 32-bit FNV-1a of a string. */
const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
};

/** A second, independent 32-bit hash (murmur3's finaliser over FNV with another seed). */
const mix = (text: string): number => {
  let hash = fnv1a(`\u0001${text}`);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash | 1) >>> 0;
};

/**
 * A count-min sketch (Cormode & Muthukrishnan): `depth = ⌈ln(1/δ)⌉` rows of `width = ⌈e/ε⌉` counters. It
 * never underestimates, and overestimates by more than `ε × total` with probability at most δ. Linear, so
 * one sketch can be subtracted from another of the same size (how the sliding window drops a bucket).
 */
export class CountMinSketch {
  readonly width: number;
  readonly depth: number;
  readonly counters: Uint32Array;
  /** Sum of every increment. */
  total = 0;

  constructor({ epsilon, delta }: CountMinSketchOptions) {
    if (!(epsilon > 0 && epsilon < 1) || !(delta > 0 && delta < 1)) {
      throw new RangeError('CountMinSketch: epsilon and delta must be in (0, 1)');
    }
    this.width = Math.ceil(Math.E / epsilon);
    this.depth = Math.ceil(Math.log(1 / delta));
    this.counters = new Uint32Array(this.width * this.depth);
  }

  /** Adds `count` to `key`. */
  add(key: string, count = 1): void {
    const h1 = fnv1a(key);
    const h2 = mix(key);
    for (let row = 0; row < this.depth; row++) {
      this.counters[row * this.width + (((h1 + Math.imul(row, h2)) >>> 0) % this.width)] += count;
    }
    this.total += count;
  }

  /** An upper bound of `key`'s count (exact when nothing collides). */
  estimate(key: string): number {
    const h1 = fnv1a(key);
    const h2 = mix(key);
    let min = Infinity;
    for (let row = 0; row < this.depth; row++) {
      const value = this.counters[row * this.width + (((h1 + Math.imul(row, h2)) >>> 0) % this.width)];
      if (value < min) min = value;
    }
    return min;
  }

  /** Subtracts another sketch of the same size (counts it holds leave this one). */
  subtract(other: CountMinSketch): void {
    for (let i = 0; i < this.counters.length; i++) this.counters[i] -= other.counters[i];
    this.total -= other.total;
  }

  /** Forgets every count. */
  reset(): void {
    this.counters.fill(0);
    this.total = 0;
  }
}
