/**
 * L1 hit-rate benchmark: our `'lru'` and `'tinylfu'` stores against raw `lru-cache` at a fixed entry count
 * (every entry weighs 1 byte, `maxBytes` = capacity), on seeded synthetic traces.
 *
 * Run: `npx tsx libs/cache/bench/hit-rate.ts [--requests=2000000] [--seed=42]`
 *
 * Traces (defaults: 1,000,000 keys, capacity 10,000 = 1 % of the keys, 2,000,000 requests each):
 * - `zipf-0.8`: Zipf(0.8) over the keys.
 * - `zipf-0.99`: Zipf(0.99) over the keys.
 * - `zipf-0.99+scan`: blocks of 40,000 Zipf(0.99) requests, each followed by a sequential scan of 20,000 keys
 *   (twice the capacity) never requested before or after: one request in three is a scan request, which can
 *   never hit, so the ceiling is 66.7 %. The hit rate is over all requests; `zipfHitRatePct` is over the
 *   Zipf requests only.
 *
 * Every policy sees the same trace and does get → (miss) set. The table is printed, then one line
 * `HITRATE_JSON [...]` with the rows.
 */
import { LRUCache } from 'lru-cache';
import { createL1Store } from '../src/lib/l1/memory-store';
import { mulberry32, zipfSampler } from './zipf';

/** Options of {@link runHitRateBench}. */
export interface HitRateBenchOptions {
  /** Distinct keys of the Zipf traces. Default 1,000,000. */
  keys?: number;
  /** Cache capacity in entries. Default 10,000. */
  capacity?: number;
  /** Requests per trace. Default 2,000,000. */
  requests?: number;
  /** PRNG seed of the traces (and of the TinyLFU hash). Default 42. */
  seed?: number;
  /** Zipf requests per block of the scan-polluted trace. Default 40,000. */
  scanZipfBlock?: number;
  /** Length of each scan of the scan-polluted trace. Default 2 × capacity. */
  scanLength?: number;
}

/** One measured (trace, policy) pair. */
export interface HitRateRow {
  trace: string;
  policy: 'lru' | 'tinylfu' | 'lru-cache';
  requests: number;
  hits: number;
  hitRatePct: number;
  /** Hit rate over the Zipf requests only (scan-polluted trace). */
  zipfHitRatePct?: number;
}

/** A trace as rank numbers; negative numbers are one-off scan keys. */
interface Trace {
  name: string;
  ranks: Int32Array;
}

function zipfTrace(name: string, n: number, s: number, requests: number, seed: number): Trace {
  const next = zipfSampler(n, s, mulberry32(seed));
  const ranks = new Int32Array(requests);
  for (let i = 0; i < requests; i++) ranks[i] = next();
  return { name, ranks };
}

function scanTrace(n: number, requests: number, seed: number, block: number, scan: number): Trace {
  const next = zipfSampler(n, 0.99, mulberry32(seed));
  const ranks = new Int32Array(requests);
  let scanKey = 0;
  let i = 0;
  while (i < requests) {
    for (let j = 0; j < block && i < requests; j++) ranks[i++] = next();
    for (let j = 0; j < scan && i < requests; j++) ranks[i++] = -1 - scanKey++;
  }
  return { name: 'zipf-0.99+scan', ranks };
}

type Cache = { get(key: string): unknown; set(key: string): void };

function makeCache(policy: HitRateRow['policy'], capacity: number, seed: number): Cache {
  if (policy === 'lru-cache') {
    const lru = new LRUCache<string, number>({ max: capacity });
    return { get: (k) => lru.get(k), set: (k) => void lru.set(k, 1) };
  }
  const store = createL1Store<number>({ maxBytes: capacity, maxEntryBytes: 1, policy, seed });
  return { get: (k) => store.get(k), set: (k) => void store.set(k, 1, 1, Infinity) };
}

function replay(
  trace: Trace,
  keys: string[],
  cache: Cache,
): { hits: number; zipfHits: number; zipf: number } {
  let hits = 0;
  let zipfHits = 0;
  let zipf = 0;
  const ranks = trace.ranks;
  for (let i = 0; i < ranks.length; i++) {
    const r = ranks[i];
    const key = r >= 0 ? keys[r] : 's' + -r;
    const isZipf = r >= 0 ? 1 : 0;
    zipf += isZipf;
    if (cache.get(key) !== undefined) {
      hits++;
      zipfHits += isZipf;
    } else {
      cache.set(key);
    }
  }
  return { hits, zipfHits, zipf };
}

/** Replays every trace through every policy and returns the rows (deterministic for a given seed). */
export function runHitRateBench(options: HitRateBenchOptions = {}): HitRateRow[] {
  const n = options.keys ?? 1_000_000;
  const capacity = options.capacity ?? 10_000;
  const requests = options.requests ?? 2_000_000;
  const seed = options.seed ?? 42;
  const keys = Array.from({ length: n }, (_, i) => 'key:' + i);
  const traces = [
    zipfTrace('zipf-0.8', n, 0.8, requests, seed),
    zipfTrace('zipf-0.99', n, 0.99, requests, seed + 1),
    scanTrace(n, requests, seed + 2, options.scanZipfBlock ?? 40_000, options.scanLength ?? 2 * capacity),
  ];
  const policies: HitRateRow['policy'][] = ['lru', 'tinylfu', 'lru-cache'];
  const rows: HitRateRow[] = [];
  for (const trace of traces) {
    for (const policy of policies) {
      const { hits, zipfHits, zipf } = replay(trace, keys, makeCache(policy, capacity, seed));
      const row: HitRateRow = {
        trace: trace.name,
        policy,
        requests: trace.ranks.length,
        hits,
        hitRatePct: round((100 * hits) / trace.ranks.length),
      };
      if (zipf < trace.ranks.length) row.zipfHitRatePct = round((100 * zipfHits) / zipf);
      rows.push(row);
    }
  }
  return rows;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function main(): void {
  const arg = (name: string): number | undefined => {
    const found = process.argv.find((a) => a.startsWith(`--${name}=`));
    return found === undefined ? undefined : Number(found.slice(name.length + 3));
  };
  const started = performance.now();
  const rows = runHitRateBench({ requests: arg('requests'), seed: arg('seed') });
  const out = process.stdout;
  out.write(`${'trace'.padEnd(16)} ${'policy'.padEnd(10)} ${'hit rate %'.padStart(10)}  zipf-only %\n`);
  for (const r of rows) {
    const zipfOnly = r.zipfHitRatePct === undefined ? '' : r.zipfHitRatePct.toFixed(2).padStart(11);
    out.write(
      `${r.trace.padEnd(16)} ${r.policy.padEnd(10)} ${r.hitRatePct.toFixed(2).padStart(10)}  ${zipfOnly}\n`,
    );
  }
  out.write(
    `(${rows[0].requests} requests per trace, ${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  out.write(`HITRATE_JSON ${JSON.stringify(rows)}\n`);
}

if (require.main === module) main();
