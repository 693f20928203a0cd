import { faultTable, quantile, requestFigures, type RequestRecord } from './fault-report';

describe('fault report', () => {
  const record = (startedAt: number, ms: number, outcome: RequestRecord['outcome'], cachedRead = false) => ({
    route: 'GET /x',
    write: false,
    startedAt,
    endedAt: startedAt + ms,
    outcome,
    status: outcome === 'ok' ? 200 : 503,
    cachedRead,
  });

  describe('quantile()', () => {
    it('should take the nearest rank', () => {
      const values = Array.from({ length: 100 }, (_, i) => i + 1);
      expect(quantile(values, 0.99)).toBe(99);
      expect(quantile(values, 0.5)).toBe(50);
      expect(quantile([], 0.99)).toBe(0);
    });
  });

  describe('requestFigures()', () => {
    it('should count every request but take p99 and cached reads only from those started during the fault', () => {
      const figures = requestFigures(
        [
          record(0, 5, 'ok'),
          record(100, 900, 'designed-503'),
          record(150, 20, 'ok', true),
          record(160, 30, 'failed', true),
          record(300, 10000, 'ok'),
        ],
        { from: 100, to: 200 },
      );
      expect(figures).toMatchObject({
        requests: 5,
        failed: 1,
        designed503: 1,
        p99DuringFaultMs: 900,
        cachedReadsDuringFault: { ok: 1, all: 2 },
      });
    });
  });

  describe('faultTable()', () => {
    it('should print one row per fault under the header', () => {
      const table = faultTable([
        {
          fault: 'Redis killed',
          requests: 10,
          failed: 0,
          designed503: 0,
          p99DuringFaultMs: 12.4,
          timeToRecoverMs: 1500,
          lostWrites: 0,
          lostInvalidations: 0,
          staleReadsAfterBound: 0,
          cachedReadsDuringFault: { ok: 3, all: 3 },
          examples: [],
        },
      ]);
      expect(table.split('\n')).toEqual([
        '| fault | requests | failed | designed 503 | p99 during fault | time to recover | lost writes | lost invalidations | stale reads after bound | cached reads during fault (ok / all) |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        '| Redis killed | 10 | 0 | 0 | 12 ms | 1.5 s | 0 | 0 | 0 | 3 / 3 |',
      ]);
    });
  });
});
