import { FrequencySketch, hashString } from './frequency-sketch';

describe('hashString()', () => {
  it('should be deterministic for a given seed and depend on the seed', () => {
    expect(hashString('bid:42', 1)).toBe(hashString('bid:42', 1));
    expect(hashString('bid:42', 1)).not.toBe(hashString('bid:42', 2));
    expect(hashString('bid:42', 1)).not.toBe(hashString('bid:43', 1));
  });

  it('should spread sequential keys over the low bits', () => {
    const buckets = new Set<number>();
    for (let i = 0; i < 1000; i++) buckets.add(hashString(`k${i}`, 0) & 1023);
    // 1000 keys into 1024 buckets: a uniform hash fills ~63 %; a poor one collapses.
    expect(buckets.size).toBeGreaterThan(550);
  });
});

describe('FrequencySketch', () => {
  describe('increment()', () => {
    it('should count occurrences of an item', () => {
      const sketch = new FrequencySketch(1024);
      const h = hashString('a', 0);
      for (let i = 0; i < 5; i++) sketch.increment(h);
      expect(sketch.frequency(h)).toBe(5);
    });

    it('should saturate at 15', () => {
      const sketch = new FrequencySketch(1024);
      const h = hashString('hot', 0);
      for (let i = 0; i < 100; i++) sketch.increment(h);
      expect(sketch.frequency(h)).toBe(15);
    });

    it('should keep distinct items mostly apart', () => {
      const sketch = new FrequencySketch(1024);
      for (let i = 0; i < 500; i++) sketch.increment(hashString(`cold${i}`, 3));
      const hot = hashString('hot', 3);
      for (let i = 0; i < 10; i++) sketch.increment(hot);
      expect(sketch.frequency(hot)).toBeGreaterThanOrEqual(10);
      let overestimated = 0;
      for (let i = 0; i < 500; i++) if (sketch.frequency(hashString(`cold${i}`, 3)) > 1) overestimated++;
      expect(overestimated).toBeLessThan(25);
    });

    it('should halve every counter after 10 × capacity increments', () => {
      const sketch = new FrequencySketch(16);
      expect(sketch.resetThreshold).toBe(160);
      const hot = hashString('hot', 0);
      for (let i = 0; i < 12; i++) sketch.increment(hot);
      let other = 0;
      while (sketch.sampleCount > 0 && sketch.sampleCount < sketch.resetThreshold - 1) {
        sketch.increment(hashString(`filler${other++}`, 0));
      }
      const before = sketch.frequency(hot);
      sketch.increment(hashString(`filler${other++}`, 0));
      expect(sketch.sampleCount).toBeLessThan(sketch.resetThreshold / 2 + 1);
      expect(sketch.frequency(hot)).toBe(Math.floor(before / 2));
    });
  });

  describe('increment() saturation and epoch', () => {
    it('should answer false, changing nothing, once all four counters of the item are at 15', () => {
      const sketch = new FrequencySketch(64);
      const h = hashString('a', 0);
      for (let i = 0; i < 15; i++) expect(sketch.increment(h)).toBe(true);
      const samples = sketch.sampleCount;
      expect(sketch.increment(h)).toBe(false);
      expect(sketch.frequency(h)).toBe(15);
      expect(sketch.sampleCount).toBe(samples);
    });

    it('should change the epoch on aging, clear() and growth, and not on a plain increment', () => {
      const sketch = new FrequencySketch(16);
      const first = sketch.epoch;
      sketch.increment(hashString('a', 0));
      expect(sketch.epoch).toBe(first);
      let other = 0;
      while (sketch.epoch === first && other < 1_000) sketch.increment(hashString(`f${other++}`, 0));
      expect(sketch.sampleCount).toBeLessThan(sketch.resetThreshold / 2 + 1); // it was the aging
      const aged = sketch.epoch;
      sketch.clear();
      expect(sketch.epoch).not.toBe(aged);
      const cleared = sketch.epoch;
      sketch.ensureCapacity(1_000);
      expect(sketch.epoch).not.toBe(cleared);
      expect(new FrequencySketch(16).epoch).not.toBe(sketch.epoch);
    });
  });

  describe('frequency()', () => {
    it('should be 0 for an item never seen', () => {
      expect(new FrequencySketch(1024).frequency(hashString('never', 0))).toBe(0);
    });
  });

  describe('ensureCapacity()', () => {
    it('should grow to a power of two and never shrink', () => {
      const sketch = new FrequencySketch(16);
      sketch.ensureCapacity(1000);
      expect(sketch.capacity).toBe(1024);
      expect(sketch.resetThreshold).toBe(10240);
      sketch.ensureCapacity(10);
      expect(sketch.capacity).toBe(1024);
    });
  });

  describe('clear()', () => {
    it('should forget every count', () => {
      const sketch = new FrequencySketch(64);
      const h = hashString('a', 0);
      sketch.increment(h);
      sketch.clear();
      expect(sketch.frequency(h)).toBe(0);
      expect(sketch.sampleCount).toBe(0);
    });
  });
});
