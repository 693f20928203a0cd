import { mulberry32, zipfSampler, zipfSequence } from './zipf';

describe('zipfSampler()', () => {
  it('should draw ranks in range, most often the lowest, as often as Zipf(1) says', () => {
    const n = 1000;
    const draw = zipfSampler(n, 1, mulberry32(7));
    const counts = new Uint32Array(n);
    const samples = 200_000;
    for (let i = 0; i < samples; i++) counts[draw()]++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(samples);
    // P(rank 0) = 1 / H(1000) ≈ 0.1336; rank 1 is drawn half as often.
    expect(counts[0] / samples).toBeCloseTo(0.1336, 2);
    expect(counts[1] / counts[0]).toBeCloseTo(0.5, 1);
    expect(counts[0]).toBeGreaterThan(counts[n - 1]);
  });

  it('should repeat the same sequence for the same seed', () => {
    expect(zipfSequence(100, 0.99, 50, 3)).toEqual(zipfSequence(100, 0.99, 50, 3));
    expect(zipfSequence(100, 0.99, 50, 3)).not.toEqual(zipfSequence(100, 0.99, 50, 4));
  });
});
