import { CountMinSketch, CountMinSketchOptions } from './count-min-sketch';

/** Options of a {@link HotKeyDetector}. */
export interface HotKeyDetectorOptions extends CountMinSketchOptions {
  /** How many hot keys it keeps track of. */
  capacity: number;
  /** The window is this many buckets… */
  buckets: number;
  /** …of this many milliseconds each (window = buckets × bucketMs). */
  bucketMs: number;
  /** The clock (epoch ms); injectable for tests. */
  now?: () => number;
}

/** A key and its estimated count in the window. */
export interface HotKey {
  key: string;
  count: number;
}

/**
 * The most requested keys of the recent past, in process and in constant memory: a count-min sketch over a
 * sliding window (one sketch per bucket plus their running sum; the oldest bucket is subtracted when it
 * expires) and a top-k of the keys with the highest estimates. `record` is O(depth) except when a key enters
 * the top-k (O(capacity)).
 */
export class HotKeyDetector {
  private readonly window: CountMinSketch;
  private readonly ring: CountMinSketch[];
  private readonly top = new Map<string, number>();
  private current = 0;
  private bucketStart: number;
  private minKey: string | undefined;
  private minCount = 0;
  private readonly now: () => number;

  constructor(private readonly options: HotKeyDetectorOptions) {
    if (options.capacity < 1 || options.buckets < 1 || options.bucketMs <= 0) {
      throw new RangeError('HotKeyDetector: capacity, buckets and bucketMs must be positive');
    }
    this.now = options.now ?? Date.now;
    this.window = new CountMinSketch(options);
    this.ring = Array.from({ length: options.buckets }, () => new CountMinSketch(options));
    this.bucketStart = this.now();
  }

  /** Counts one request of `key`. */
  record(key: string): void {
    this.rotate();
    this.ring[this.current].add(key);
    this.window.add(key);
    const count = this.window.estimate(key);
    if (this.top.has(key)) {
      this.top.set(key, count);
      if (key === this.minKey) this.findMin();
    } else if (this.top.size < this.options.capacity) {
      this.top.set(key, count);
      if (this.minKey === undefined || count < this.minCount) [this.minKey, this.minCount] = [key, count];
    } else if (count > this.minCount && this.minKey !== undefined) {
      this.top.delete(this.minKey);
      this.top.set(key, count);
      this.findMin();
    }
  }

  /** The `n` keys with the highest estimated counts in the window, most requested first. */
  hottest(n = this.options.capacity): HotKey[] {
    this.rotate();
    return [...this.top]
      .map(([key, count]) => ({ key, count }))
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1))
      .slice(0, n);
  }

  /** The estimated count of `key` in the window. */
  estimate(key: string): number {
    this.rotate();
    return this.window.estimate(key);
  }

  /** Requests counted in the window. */
  get total(): number {
    this.rotate();
    return this.window.total;
  }

  /** Expires the buckets the clock has moved past, then re-estimates the top-k (dropping keys now at 0). */
  private rotate(): void {
    const elapsed = Math.floor((this.now() - this.bucketStart) / this.options.bucketMs);
    if (elapsed <= 0) return;
    for (let i = 0; i < Math.min(elapsed, this.ring.length); i++) {
      this.current = (this.current + 1) % this.ring.length;
      this.window.subtract(this.ring[this.current]);
      this.ring[this.current].reset();
    }
    this.bucketStart += elapsed * this.options.bucketMs;
    for (const key of [...this.top.keys()]) {
      const count = this.window.estimate(key);
      if (count === 0) this.top.delete(key);
      else this.top.set(key, count);
    }
    this.findMin();
  }

  private findMin(): void {
    this.minKey = undefined;
    this.minCount = 0;
    for (const [key, count] of this.top) {
      if (this.minKey === undefined || count < this.minCount) [this.minKey, this.minCount] = [key, count];
    }
  }
}
