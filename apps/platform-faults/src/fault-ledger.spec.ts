import { EntityHistory, FaultLedger, boundStart, isStaleAfterBound, isWriteLost } from './fault-ledger';

describe('FaultLedger', () => {
  const history = () => {
    const h = new EntityHistory(100);
    h.begin(101, 1000).ackedAt = 1050; // acknowledged at 1050
    h.begin(102, 2000); // sent, never acknowledged (may or may not have committed)
    h.begin(103, 3000).ackedAt = 3040;
    return h;
  };
  const read = (value: number, startedAt: number) => ({
    entity: 'bid:1',
    value,
    startedAt,
    path: 'bid' as const,
  });

  describe('isStaleAfterBound()', () => {
    it('should accept an old value while the newer write is within its bound', () => {
      expect(isStaleAfterBound(history(), read(100, 1050 + 500), 500)).toBe(false);
    });

    it('should count an old value once a newer acknowledged write is past its bound', () => {
      expect(isStaleAfterBound(history(), read(100, 1050 + 501), 500)).toBe(true);
      expect(isStaleAfterBound(history(), read(101, 3040 + 501), 500)).toBe(true);
    });

    it('should accept the value of an unacknowledged write and anything newer than the bound requires', () => {
      expect(isStaleAfterBound(history(), read(102, 3040 + 100), 500)).toBe(false);
      expect(isStaleAfterBound(history(), read(103, 9999), 500)).toBe(false);
    });

    it('should count a value the load never wrote as stale', () => {
      expect(isStaleAfterBound(history(), read(999, 0), 500)).toBe(true);
    });

    it("should start the bound at an outage's end for writes acknowledged while their path was down", () => {
      const outage = [{ path: 'bid' as const, from: 1000, to: 8000 }];
      expect(isStaleAfterBound(history(), read(100, 6000), 500, outage)).toBe(false);
      expect(isStaleAfterBound(history(), read(100, 8501), 500, outage)).toBe(true);
      // Another path's outage changes nothing.
      const other = [{ path: 'routing' as const, from: 1000, to: 8000 }];
      expect(isStaleAfterBound(history(), read(100, 6000), 500, other)).toBe(true);
    });
  });

  describe('boundStart()', () => {
    it('should move the start of a write acknowledged just before the outage whose bound overlaps it', () => {
      const attempt = { value: 1, sentAt: 0, ackedAt: 900 };
      expect(boundStart(attempt, 'bid', 500, [{ path: 'bid', from: 1000, to: 5000 }])).toBe(5000);
      expect(boundStart(attempt, 'bid', 50, [{ path: 'bid', from: 1000, to: 5000 }])).toBe(900);
    });
  });

  describe('isWriteLost()', () => {
    it('should find the newest acknowledged write, or a later one, in the database', () => {
      expect(isWriteLost(history(), 103)).toBe(false);
      expect(isWriteLost(history(), 101)).toBe(true);
      expect(isWriteLost(history(), 100)).toBe(true);
      expect(isWriteLost(history(), 555)).toBe(true);
    });

    it('should accept an unacknowledged write that committed after the last acknowledged one', () => {
      const h = history();
      h.begin(104, 4000);
      expect(isWriteLost(h, 104)).toBe(false);
    });
  });

  describe('EntityHistory.begin()', () => {
    it('should refuse a value written before, since values name their write', () => {
      expect(() => history().begin(101, 5000)).toThrow('value 101 was written before');
    });
  });

  describe('FaultLedger', () => {
    it('should refuse an entity it was not seeded with', () => {
      const ledger = new FaultLedger();
      ledger.seed('bid:1', 5);
      expect(ledger.has('bid:1')).toBe(true);
      expect(() => ledger.history('bid:2')).toThrow('unknown entity bid:2');
    });
  });
});
