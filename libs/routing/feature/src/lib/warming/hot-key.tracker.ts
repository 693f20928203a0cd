import { Injectable } from '@nestjs/common';
import { HotKey, HotKeyDetector } from './hot-key-detector';

/** Sliding window of the hot-key detector: 6 buckets of 10 s (one minute, the L1 TTL). */
export const HOT_KEY_WINDOW = { buckets: 6, bucketMs: 10_000 } as const;

/**
 * The service's hot-key detector over its cached reads (count-min sketch ε = 0.1 %, δ = 1 %; top 200 keys
 * over the last minute). Counting is in process and costs a few hashes per read.
 */
@Injectable()
export class HotKeyTracker {
  private readonly detector = new HotKeyDetector({
    epsilon: 0.001,
    delta: 0.01,
    capacity: 200,
    ...HOT_KEY_WINDOW,
  });

  /** Counts one read of a namespace key (`buyer:{id}`, `geo:{state}`). */
  record(key: string): void {
    this.detector.record(key);
  }

  /** The `n` most read keys of the last minute. */
  hottest(n?: number): HotKey[] {
    return this.detector.hottest(n);
  }
}
