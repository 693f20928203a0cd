import type { BuyerRoutingProfile } from '@platform/routing-client';
import { BidCandidate, DecisionInputs, judgeBid, localHour } from './bid-decision';

const profile: BuyerRoutingProfile = {
  buyerId: 'b1',
  states: ['CA', 'NY'],
  minBidCents: 500,
  maxConcurrentCalls: 3,
  priority: 1,
  active: true,
  version: 1,
};
const rule = {
  state: 'CA',
  callingHoursStart: 8,
  callingHoursEnd: 21,
  timezone: 'America/Los_Angeles',
  requiresConsent: false,
  version: 1,
};
// 18:00 UTC = 10:00 in Los Angeles (PST, UTC-8).
const bid = (over: Partial<BidCandidate> = {}): BidCandidate => ({
  callId: 'c1',
  buyerId: 'b1',
  amountCents: 600,
  call: { state: 'CA', time: '2026-01-15T18:00:00Z' },
  ...over,
});
const inputs = (over: Partial<DecisionInputs> = {}): DecisionInputs => ({
  routing: profile,
  stateRule: rule,
  dncListed: false,
  ...over,
});

describe('judgeBid()', () => {
  it('should accept a bid that meets the criteria and the compliance rules', () => {
    expect(judgeBid(bid(), inputs())).toEqual({ callId: 'c1', buyerId: 'b1', accepted: true, reasons: [] });
  });

  it('should accept a state without a compliance rule', () => {
    expect(judgeBid(bid(), inputs({ stateRule: null })).accepted).toBe(true);
  });

  it('should name every reason that applies', () => {
    const decision = judgeBid(
      bid({ amountCents: 100, call: { state: 'TX', time: '2026-01-15T18:00:00Z' } }),
      inputs({ routing: { ...profile, active: false }, dncListed: true }),
    );
    expect(decision).toMatchObject({
      accepted: false,
      reasons: ['BUYER_INACTIVE', 'STATE_NOT_SERVED', 'BELOW_MIN_BID', 'DNC_LISTED'],
    });
  });

  it('should reject outside the state’s calling hours in its time zone', () => {
    // 06:00 UTC = 22:00 in Los Angeles the day before.
    const late = bid({ call: { state: 'CA', time: '2026-01-15T06:00:00Z' } });
    expect(judgeBid(late, inputs()).reasons).toEqual(['OUTSIDE_CALLING_HOURS']);
  });

  it('should reject, not fail, when a source could not answer or the buyer has no criteria', () => {
    expect(judgeBid(bid(), inputs({ routing: 'unavailable' })).reasons).toEqual(['ROUTING_UNAVAILABLE']);
    expect(judgeBid(bid(), inputs({ dncListed: 'unavailable' })).reasons).toEqual(['COMPLIANCE_UNAVAILABLE']);
    expect(judgeBid(bid(), inputs({ routing: null })).reasons).toEqual(['BUYER_NO_CRITERIA']);
  });
});

describe('localHour()', () => {
  it('should read the hour in the zone, and NaN for an unknown zone', () => {
    expect(localHour(new Date('2026-07-01T12:00:00Z'), 'America/New_York')).toBe(8);
    expect(localHour(new Date('2026-07-01T12:00:00Z'), 'Not/AZone')).toBeNaN();
  });
});
