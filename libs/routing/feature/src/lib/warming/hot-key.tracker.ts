import { Injectable } from '@nestjs/common';
import { RecentReads } from '@platform/cache';
import { HotKey, HotKeyDetector } from './hot-key-detector';

/** Sliding window of the hot-key detector: 6 buckets of 10 s (one minute, the L1 TTL). */
export const HOT_KEY_WINDOW = { buckets: 6, bucketMs: 10_000 } as const;

/** Keys {@link HotKeyTracker.readLately} remembers at most (about 100 bytes each). */
export const RECENT_READ_MAX_KEYS = 50_000;

/**
 * The service's hot-key detector over its cached reads (count-min sketch ε = 0.1 %, δ = 1 %; top 200 keys
 * over the last minute), and the exact set of keys read in that minute (the sketch cannot say a key was
 * never read: with thousands of keys every cell is non-zero). Counting is in process and costs a few hashes
 * and a map write per read.
 */
@Injectable()
export class HotKeyTracker {
  private readonly detector = new HotKeyDetector({
    epsilon: 0.001,
    delta: 0.01,
    capacity: 200,
    ...HOT_KEY_WINDOW,
  });

  private readonly recent = new RecentReads(
    HOT_KEY_WINDOW.buckets * HOT_KEY_WINDOW.bucketMs,
    RECENT_READ_MAX_KEYS,
  );

  /** Counts one read of a namespace key (`buyer:{id}`, `geo:{state}`). */
  record(key: string): void {
    this.detector.record(key);
    this.recent.record(key);
  }

  /** Counts a read answered before the handler ran (`@CacheEntryRoute({ reads: HotKeyTracker })`). */
  noteRead(_namespace: string, key: string): void {
    this.record(key);
  }

  /** Whether this instance read the namespace key within the window (what the refill after a write asks). */
  readLately(key: string): boolean {
    return this.recent.wasRead(key);
  }

  /** The `n` most read keys of the last minute. */
  hottest(n?: number): HotKey[] {
    return this.detector.hottest(n);
  }
}
