import { createCache } from '../cache/create-cache';
import { l1HeapBytes } from '../cache/l1-tier';
import { PrometheusMetrics } from '../metrics/prometheus.metrics';
import { estimateHeapBytes, L1_ENTRY_OVERHEAD_BYTES, stringBytes } from './heap-size';

describe('estimateHeapBytes()', () => {
  it('should count object, array and string headers and boxed numbers, not just JSON characters', () => {
    const value = { id: 'bid-1', amount: 12.5, tags: ['a', 'b'] };
    const bytes = estimateHeapBytes(value, false);
    expect(bytes).toBeGreaterThan(JSON.stringify(value).length * 2);
    expect(estimateHeapBytes(12.5, false)).toBeGreaterThan(0); // a HeapNumber
    expect(estimateHeapBytes(12, false)).toBe(0); // a small integer lives in its slot
    expect(estimateHeapBytes('x'.repeat(100), true)).toBeGreaterThan(
      estimateHeapBytes('x'.repeat(100), false),
    );
  });
});

describe('l1HeapBytes()', () => {
  it('should include the per-entry overhead, the key and the tags besides the value', () => {
    const entry = { v: { n: 'x'.repeat(1000) }, e: Date.now() + 1000 };
    const value = estimateHeapBytes(entry.v, false);
    const key = 'bid:'.repeat(50);
    expect(l1HeapBytes(key, entry)).toBe(L1_ENTRY_OVERHEAD_BYTES + stringBytes(key.length, false) + value);
    expect(l1HeapBytes(key, { ...entry, t: ['bid:1'] })).toBeGreaterThan(l1HeapBytes(key, entry));
  });

  it('should be what cache_l1_bytes reports for an entry', async () => {
    const metrics = new PrometheusMetrics();
    const cache = createCache({ metrics, ttl: '1m' });
    const value = { id: 'bid-1', note: 'y'.repeat(500) };
    await cache.namespace('bid').set('1', value);
    const text = await metrics.registry.metrics();
    const reported = Number(/cache_l1_bytes(?:\{[^}]*\})? (\d+)/.exec(text)?.[1]);
    expect(reported).toBe(l1HeapBytes('bid:1', { v: value, e: 0 }));
    expect(reported).toBeGreaterThan(JSON.stringify(value).length + L1_ENTRY_OVERHEAD_BYTES);
  });
});
