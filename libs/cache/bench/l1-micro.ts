/**
 * L1 micro-benchmark: raw `get`/`set` throughput of our stores against `lru-cache`, on Zipf(0.99) over 10,000
 * keys with ~1 KB values (the same value object for every key; sizes are declared, not measured).
 *
 * Run: `npx tsx libs/cache/bench/l1-micro.ts`
 *
 * Scenarios (each: 1,000,000-operation trace, 7 rounds, median ops/s reported):
 * - `get-hit`: all keys resident (64 MB budget), `get` only; our entries have a 10-minute TTL, so every read
 *   pays the expiry check (`Date.now()`); lru-cache runs without TTL (its fastest mode) and with `ttl`.
 * - `set-overwrite`: all keys resident, `set` of existing keys.
 * - `get-or-set`: cache of 1,000 entries (10 % of the keys), `get` then `set` on a miss.
 */
import { LRUCache } from 'lru-cache';
import { createL1Store } from '../src/lib/l1/memory-store';
import { mulberry32, zipfSampler } from './zipf';

const KEYS = 10_000;
const OPS = 1_000_000;
const ROUNDS = 7;
const VALUE = { payload: 'x'.repeat(1000) };
const VALUE_BYTES = 1024;
const TTL_MS = 600_000;

interface Subject {
  get(key: string): unknown;
  set(key: string): void;
}

type Factory = (capacityEntries: number) => Subject;

const subjects: Record<string, Factory> = {
  'ours:lru': (capacity) => {
    const s = createL1Store<object>({
      maxBytes: capacity * VALUE_BYTES,
      maxEntryBytes: VALUE_BYTES,
      policy: 'lru',
      seed: 1,
    });
    return { get: (k) => s.get(k), set: (k) => void s.set(k, VALUE, VALUE_BYTES, TTL_MS) };
  },
  'ours:tinylfu': (capacity) => {
    const s = createL1Store<object>({
      maxBytes: capacity * VALUE_BYTES,
      maxEntryBytes: VALUE_BYTES,
      policy: 'tinylfu',
      seed: 1,
    });
    return { get: (k) => s.get(k), set: (k) => void s.set(k, VALUE, VALUE_BYTES, TTL_MS) };
  },
  'lru-cache': (capacity) => {
    const c = new LRUCache<string, object>({ max: capacity });
    return { get: (k) => c.get(k), set: (k) => void c.set(k, VALUE) };
  },
  'lru-cache+ttl': (capacity) => {
    const c = new LRUCache<string, object>({ max: capacity, ttl: TTL_MS });
    return { get: (k) => c.get(k), set: (k) => void c.set(k, VALUE) };
  },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function measure(run: () => void): number {
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = performance.now();
    run();
    rates.push(OPS / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

/** Runs the three scenarios for every subject; returns ops/s by scenario and subject. */
export function runL1Micro(): Record<string, Record<string, number>> {
  const next = zipfSampler(KEYS, 0.99, mulberry32(7));
  const keys = Array.from({ length: KEYS }, (_, i) => `bid:${i}:` + 'k'.repeat(20));
  const trace = Array.from({ length: OPS }, () => keys[next()]);
  const results: Record<string, Record<string, number>> = {
    'get-hit': {},
    'set-overwrite': {},
    'get-or-set': {},
  };
  let sink = 0;
  for (const [name, factory] of Object.entries(subjects)) {
    const full = factory(KEYS);
    for (const k of keys) full.set(k);
    results['get-hit'][name] = measure(() => {
      for (let i = 0; i < OPS; i++) if (full.get(trace[i]) !== undefined) sink++;
    });
    results['set-overwrite'][name] = measure(() => {
      for (let i = 0; i < OPS; i++) full.set(trace[i]);
    });
    const small = factory(KEYS / 10);
    results['get-or-set'][name] = measure(() => {
      for (let i = 0; i < OPS; i++) {
        if (small.get(trace[i]) === undefined) small.set(trace[i]);
        else sink++;
      }
    });
  }
  if (sink < 0) process.stdout.write(String(sink));
  return results;
}

function main(): void {
  const results = runL1Micro();
  const names = Object.keys(subjects);
  const out = process.stdout;
  out.write(`${'scenario'.padEnd(14)} ${names.map((n) => n.padStart(15)).join(' ')}   (Mops/s)\n`);
  for (const [scenario, byName] of Object.entries(results)) {
    const cells = names.map((n) => (byName[n] / 1e6).toFixed(2).padStart(15));
    out.write(`${scenario.padEnd(14)} ${cells.join(' ')}\n`);
  }
  const ratio = (a: string, b: string, s: string): string => (results[s][a] / results[s][b]).toFixed(2);
  out.write(
    `get-hit ratio vs lru-cache: lru ${ratio('ours:lru', 'lru-cache', 'get-hit')}×, ` +
      `tinylfu ${ratio('ours:tinylfu', 'lru-cache', 'get-hit')}×\n`,
  );
}

if (require.main === module) main();
