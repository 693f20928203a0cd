/**
 * `peek()` micro-benchmark: our synchronous L1 read against raw lru-cache's synchronous `get`, in the shape of
 * scenario (a) of `bench:cache` (10k keys, ~1 KB values, Zipf(0.99), namespace `bench` under a run prefix,
 * W-TinyLFU L1) but without Redis, so it can run under `--cpu-prof`:
 *
 *   npx tsx libs/cache/bench/peek-micro.ts
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx libs/cache/bench/peek-micro.ts
 *
 * Prints each side's median and the median of the per-round ratios (rounds alternate, so a busy machine
 * slows both sides of a pair alike).
 *
 * Env: PEEK_ROUNDS (default 21), PEEK_ROUND_MS (default 200), PEEK_ONLY=peek|lru (profile one side),
 * PEEK_KEYS (default 10000), PEEK_L1_TTL (default 10m; shorter than the 10m L2 TTL stores L1 copies, as the bench).
 */
import { LRUCache } from 'lru-cache';
import { createCache, type Duration } from '../src';
import { makeValue, zipfSequence } from './zipf';
import { syncReadRound } from './common';

const KEYS = Number(process.env['PEEK_KEYS'] ?? 10_000);
const ROUNDS = Number(process.env['PEEK_ROUNDS'] ?? 21);
const ROUND_MS = Number(process.env['PEEK_ROUND_MS'] ?? 200);
const ONLY = process.env['PEEK_ONLY'];

async function main(): Promise<void> {
  const keys = Array.from({ length: KEYS }, (_, i) => `k${i}`);
  const values = keys.map((_, i) => makeValue(i));
  const zipf = zipfSequence(KEYS, 0.99, 1 << 20);
  const mask = zipf.length - 1;

  const cache = createCache({
    prefix: 'bench:0123abcd:a:ours:',
    l1: { maxBytes: '256MB', maxEntryBytes: '1MB', policy: 'tinylfu' },
    l2: false,
    ttl: { l1: (process.env['PEEK_L1_TTL'] ?? '10m') as Duration, l2: '10m' },
  });
  await cache.connect();
  const ns = cache.namespace('bench');
  for (let i = 0; i < KEYS; i++) await ns.set(keys[i], values[i]);
  const lru = new LRUCache<string, object>({ max: Math.max(100_000, KEYS), ttl: 600_000 });
  keys.forEach((k, i) => lru.set(k, values[i]));

  const subjects = [
    { id: 'lru-cache get', read: (k: string): unknown => lru.get(k), rounds: [] as number[], misses: 0 },
    { id: 'ours peek', read: (k: string): unknown => ns.peek(k), rounds: [] as number[], misses: 0 },
  ].filter((s) => ONLY === undefined || s.id.includes(ONLY));
  const round = (s: (typeof subjects)[number], ms: number) => syncReadRound(s, keys, zipf, mask, ms);
  for (const s of subjects) round(s, 300);
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of subjects) s.rounds.push(round(s, ROUND_MS));
    // Yield, as the bench does between rounds, so timers (the coarse clock) run.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const lruOps = subjects.find((s) => s.id === 'lru-cache get');
  for (const s of subjects) {
    const ops = median(s.rounds);
    const ratio =
      lruOps && s !== lruOps
        ? ` (${(ops / median(lruOps.rounds)).toFixed(2)}× lru-cache; median per-round ratio ${median(
            s.rounds.map((x, i) => x / lruOps.rounds[i]),
          ).toFixed(2)}×)`
        : '';
    process.stdout.write(
      `${s.id.padEnd(14)} ${(ops / 1e6).toFixed(2)}M ops/s${ratio}, misses ${s.misses}, rounds ${s.rounds
        .map((x) => (x / 1e6).toFixed(2))
        .join(' ')}\n`,
    );
  }
  await cache.disconnect();
}

void main();
