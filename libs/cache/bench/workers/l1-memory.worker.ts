/**
 * Fills an L1-only cache to its byte budget with ~1 KB JSON objects and prints, as one JSON line, the budget,
 * what the engine counted and how much the heap grew (after gc, before vs after filling). Run with
 * `--expose-gc`. argv[2]: `{ "maxBytes": number, "accounting": "heap" | "json" }`; `json` replays the old
 * accounting (serialized bytes) on a bare L1 store, for the side-by-side figure.
 */
import { createCache } from '../../src';
import { createL1Store } from '../../src/lib/l1/memory-store';
import { makeValue } from '../zipf';

const { maxBytes, accounting } = JSON.parse(process.argv[2] ?? '{}') as {
  maxBytes: number;
  accounting: 'heap' | 'json';
};
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

async function main(): Promise<void> {
  const settle = () => {
    for (let i = 0; i < 3; i++) gc?.();
    return process.memoryUsage();
  };
  let counted = () => 0;
  let fill: (i: number) => Promise<void> | void;
  let entries = () => 0;
  if (accounting === 'heap') {
    const cache = createCache({ l1: { maxBytes, policy: 'tinylfu' }, metrics: false, ttl: '1h' });
    const ns = cache.namespace('bench');
    fill = (i) => ns.set(`item:${i}`, makeValue(i));
    const l1 = (cache as unknown as { core: { parts: { l1: { bytes: number; size: number } } } }).core.parts
      .l1;
    counted = () => l1.bytes;
    entries = () => l1.size;
  } else {
    const store = createL1Store<object>({ maxBytes, maxEntryBytes: 1 << 20, policy: 'tinylfu' });
    fill = (i) => {
      const value = makeValue(i);
      const e = Date.now() + 3_600_000;
      const raw = JSON.stringify({ v: value, e });
      store.set(`bench:item:${i}`, { v: value, e }, Buffer.byteLength(raw), 3_600_000);
    };
    counted = () => store.bytes;
    entries = () => store.size;
  }
  const before = settle();
  // Twice the budget's worth of entries: the store must evict down to its budget.
  const n = Math.ceil((2 * maxBytes) / 1024);
  for (let i = 0; i < n; i++) await fill(i);
  const after = settle();
  process.stdout.write(
    `${JSON.stringify({
      accounting,
      maxBytes,
      counted: counted(),
      entries: entries(),
      heapGrowth: after.heapUsed - before.heapUsed,
      rssGrowth: after.rss - before.rss,
    })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exit(1);
  },
);
