import { latencyTable, msUntil, percentile } from './stale-bench';

describe('stale-bench helpers', () => {
  describe('percentile()', () => {
    it('should pick the nearest rank of unsorted values', () => {
      const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
      expect(percentile(values, 50)).toBe(5);
      expect(percentile(values, 95)).toBe(10);
      expect(percentile(values, 10)).toBe(1);
      expect(percentile([], 50)).toBeNaN();
    });
  });

  describe('msUntil()', () => {
    it('should resolve once the check says yes, and Infinity when it never does within the cap', async () => {
      let calls = 0;
      const waited = await msUntil({ check: () => ++calls === 3, since: performance.now(), capMs: 10_000 });
      expect(calls).toBe(3);
      expect(Number.isFinite(waited)).toBe(true);
      expect(await msUntil({ check: () => false, since: performance.now(), capMs: 5 })).toBe(Infinity);
    });

    it('should let timers run while it polls a synchronous check', async () => {
      let fired = false;
      setTimeout(() => (fired = true), 1);
      expect(
        Number.isFinite(await msUntil({ check: () => fired, since: performance.now(), capMs: 60_000 })),
      ).toBe(true);
    });
  });

  describe('latencyTable()', () => {
    it('should print the percentiles side by side and judge each p99 against the target', () => {
      const table = latencyTable({
        title: 'title',
        rows: [
          { name: 'fast', ms: [1, 2, 3] },
          { name: 'capped', ms: [1, Infinity] },
        ],
        targetMs: 150,
      });
      const [title, header, fast, capped] = table.trimEnd().split('\n');
      expect(title).toBe('title');
      expect(header).toMatch(/p50\s+p95\s+p99\s+max\s+p99 ≤ 150 ms$/);
      expect(fast).toMatch(/^fast\s+2\.00\s+3\.00\s+3\.00\s+3\.00\s+yes$/);
      expect(capped).toMatch(/^capped\s+1\.00\s+>cap\s+>cap\s+>cap\s+NO$/);
    });
  });
});
