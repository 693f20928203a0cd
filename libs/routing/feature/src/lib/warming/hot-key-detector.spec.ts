import { CountMinSketch } from './count-min-sketch';
import { HotKeyDetector } from './hot-key-detector';

/** A deterministic Zipf(s) stream over `keys` keys (rank 1 most frequent), from a seeded LCG. */
function zipfStream(length: number, keys: number, s: number, seed = 42): string[] {
  const weights = Array.from({ length: keys }, (_, i) => 1 / Math.pow(i + 1, s));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w / total));
  let state = seed;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return Array.from({ length }, () => {
    const r = random();
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return `key-${lo}`;
  });
}

const countsOf = (stream: string[]) => {
  const counts = new Map<string, number>();
  for (const key of stream) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
};

describe(CountMinSketch, () => {
  describe('estimate()', () => {
    it('should never underestimate, and stay within ε·N for at least 1 − δ of the keys', () => {
      const epsilon = 0.001;
      const delta = 0.01;
      const sketch = new CountMinSketch({ epsilon, delta });
      const stream = zipfStream(200_000, 20_000, 1.0);
      for (const key of stream) sketch.add(key);
      const truth = countsOf(stream);
      let outside = 0;
      for (const [key, count] of truth) {
        const estimate = sketch.estimate(key);
        expect(estimate).toBeGreaterThanOrEqual(count);
        if (estimate - count > epsilon * stream.length) outside++;
      }
      expect(outside / truth.size).toBeLessThanOrEqual(delta);
      expect(sketch.total).toBe(stream.length);
    });

    it('should forget exactly what a subtracted sketch of the same size held', () => {
      const options = { epsilon: 0.01, delta: 0.01 };
      const all = new CountMinSketch(options);
      const part = new CountMinSketch(options);
      for (const key of ['a', 'a', 'b']) all.add(key);
      for (const key of ['a', 'c']) {
        all.add(key);
        part.add(key);
      }
      all.subtract(part);
      expect([all.estimate('a'), all.estimate('b'), all.estimate('c'), all.total]).toEqual([2, 1, 0, 3]);
    });
  });
});

describe(HotKeyDetector, () => {
  const options = { epsilon: 0.001, delta: 0.01, capacity: 50, buckets: 6, bucketMs: 10_000 };

  describe('hottest()', () => {
    it('should find the true top 10 of a Zipf stream, with counts within ε·N of the truth', () => {
      const detector = new HotKeyDetector({ ...options, now: () => 0 });
      const stream = zipfStream(100_000, 10_000, 1.1, 7);
      for (const key of stream) detector.record(key);
      const truth = [...countsOf(stream)].sort((a, b) => b[1] - a[1]);
      const found = detector.hottest(10);
      expect(found.map((k) => k.key)).toEqual(truth.slice(0, 10).map(([key]) => key));
      for (const { key, count } of found) {
        const real = truth.find(([k]) => k === key)?.[1] ?? 0;
        expect(count).toBeGreaterThanOrEqual(real);
        expect(count - real).toBeLessThanOrEqual(options.epsilon * stream.length);
      }
    });

    it('should forget keys whose requests left the sliding window, and rank by recent traffic', () => {
      let now = 0;
      const detector = new HotKeyDetector({ ...options, now: () => now });
      for (let i = 0; i < 1000; i++) detector.record('old');
      now = 30_000; // half the window later
      for (let i = 0; i < 10; i++) detector.record('new');
      expect(detector.hottest(2).map((k) => k.key)).toEqual(['old', 'new']);
      now = 60_000; // the bucket holding "old" expires
      expect(detector.hottest().map((k) => k.key)).toEqual(['new']);
      expect(detector.estimate('old')).toBe(0);
      expect(detector.total).toBe(10);
      now = 200_000; // everything expired
      expect(detector.hottest()).toEqual([]);
      expect(detector.total).toBe(0);
    });

    it('should keep at most `capacity` keys', () => {
      const detector = new HotKeyDetector({ ...options, capacity: 3, now: () => 0 });
      for (const key of ['a', 'b', 'c', 'd', 'd', 'e', 'e', 'e']) detector.record(key);
      const hottest = detector.hottest().map((k) => k.key);
      expect(hottest).toHaveLength(3);
      expect(hottest.slice(0, 2)).toEqual(['e', 'd']);
    });
  });
});
