import { PreconditionFailedError } from '@platform/service-kit';
import { assertTransition } from './bid-transitions';

describe('assertTransition()', () => {
  it('should allow active → won | lost | expired, and staying put', () => {
    for (const to of ['won', 'lost', 'expired', 'active'] as const) {
      expect(() => assertTransition('active', to)).not.toThrow();
    }
  });

  it('should refuse any other transition with BID.ILLEGAL_TRANSITION naming both states', () => {
    for (const [from, to] of [
      ['won', 'active'],
      ['lost', 'won'],
      ['expired', 'active'],
      ['active', 'pending'],
      ['active', 'cancelled'],
    ] as const) {
      const attempt = () => assertTransition(from, to);
      expect(attempt).toThrow(PreconditionFailedError);
      expect(attempt).toThrow(`from ${from} to ${to}`);
    }
  });
});
