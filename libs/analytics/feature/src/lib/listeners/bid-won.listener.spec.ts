import { BidChanged, createEnvelope } from '@platform/contracts';
import { callsFromBids, soldCallOf } from './bid-won.listener';

const bid = (overrides: Partial<BidChanged.Snapshot> = {}): BidChanged.Snapshot => ({
  id: '6f1c1f9e-2a57-4c55-8f3e-1b0c6f0e9a11',
  callId: 'call-1',
  buyerId: 'buyer-7',
  amountCents: 1250,
  currency: 'USD',
  status: 'won',
  ...overrides,
});

const change = (before: BidChanged.Snapshot | null, after: BidChanged.Snapshot | null): BidChanged.Value =>
  createEnvelope({ entity: 'bid' as const, entityId: 'b', op: 'updated', version: 2, before, after });

describe('soldCallOf()', () => {
  it('should read a bid that moved to won as a sold call: its callId, buyer, amount and when it was won', () => {
    const event = change(bid({ status: 'active' }), bid());
    expect(soldCallOf(event)).toEqual({
      callId: 'call-1',
      buyerId: 'buyer-7',
      revenueCents: 1250,
      soldAt: event.occurredAt,
    });
  });

  it.each([
    ['a bid that lost', change(bid({ status: 'active' }), bid({ status: 'lost' }))],
    ['a created active bid', change(null, bid({ status: 'active' }))],
    ['a won bid changed again', change(bid(), bid({ amountCents: 99 }))],
    ['a deleted bid', change(bid(), null)],
    ['a bid won in another currency', change(bid({ status: 'active' }), bid({ currency: 'EUR' }))],
    ['a callId too long to record', change(bid({ status: 'active' }), bid({ callId: 'c'.repeat(65) }))],
  ])('should see no sold call in %s', (_name, event) => {
    expect(soldCallOf(event)).toBeUndefined();
  });
});

describe('callsFromBids()', () => {
  it('should be on by default and follow ANALYTICS_CALLS_FROM_BIDS', () => {
    expect(callsFromBids({})).toBe(true);
    expect(callsFromBids({ ANALYTICS_CALLS_FROM_BIDS: 'true' })).toBe(true);
    expect(callsFromBids({ ANALYTICS_CALLS_FROM_BIDS: 'false' })).toBe(false);
  });

  it('should refuse anything else at boot', () => {
    expect(() => callsFromBids({ ANALYTICS_CALLS_FROM_BIDS: 'no' })).toThrow(/ANALYTICS_CALLS_FROM_BIDS/);
  });
});
