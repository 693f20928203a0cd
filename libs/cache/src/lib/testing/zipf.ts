/**
 * Deterministic key distributions for benchmarks and load tests (`bench:cache`, `bench:load`): a seedable PRNG
 * and Zipf samplers, so every run and every library sees the same key sequence.
 */

/** A small, fast, seedable PRNG (mulberry32) returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Builds a sequence of `length` key indices in [0, n) drawn from a Zipf(s) distribution (rank 0 most popular),
 * using the inverse CDF with binary search. The popular ranks are scattered over the index space with a fixed
 * permutation so that hot keys are not all adjacent (e.g. not all in the same Redis Cluster slot range).
 */
export function zipfSequence(n: number, s: number, length: number, seed = 42): Uint32Array {
  const next = zipfSampler(n, s, mulberry32(seed));
  const perm = permutation(n, seed ^ 0x9e3779b9);
  const out = new Uint32Array(length);
  for (let j = 0; j < length; j++) out[j] = perm[next()];
  return out;
}

/**
 * Zipf(s) sampler over ranks 0..n-1 (rank r has probability ∝ 1/(r+1)^s): precomputed CDF, then a binary
 * search per sample (O(log n), ~20 steps for a million keys).
 */
export function zipfSampler(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / Math.pow(i + 1, s);
    cdf[i] = sum;
  }
  for (let i = 0; i < n; i++) cdf[i] /= sum;
  cdf[n - 1] = 1;
  return () => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] <= u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** A seeded Fisher–Yates permutation of [0, n). */
export function permutation(n: number, seed: number): Uint32Array {
  const rand = mulberry32(seed);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
