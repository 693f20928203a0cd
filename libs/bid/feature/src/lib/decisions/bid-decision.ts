import type { StateCallingRule } from '@platform/compliance-client';
import type { BuyerRoutingProfile } from '@platform/routing-client';

/** Why a bid was rejected (stable codes). */
export type RejectReason =
  | 'BUYER_NO_CRITERIA'
  | 'BUYER_INACTIVE'
  | 'STATE_NOT_SERVED'
  | 'BELOW_MIN_BID'
  | 'OUTSIDE_CALLING_HOURS'
  | 'DNC_LISTED'
  | 'ROUTING_UNAVAILABLE'
  | 'COMPLIANCE_UNAVAILABLE';

/** A bid to decide on (the validated request item). */
export interface BidCandidate {
  callId: string;
  buyerId: string;
  amountCents: number;
  call: { state: string; time: string; callerPhone?: string };
}

/** The answer for one bid: accepted, or rejected with every reason that applies. */
export interface BidDecision {
  callId: string;
  buyerId: string;
  accepted: boolean;
  reasons: RejectReason[];
}

/** What the decision reads; `'unavailable'` when its source could not answer and nothing was cached. */
export interface DecisionInputs {
  routing: BuyerRoutingProfile | null | 'unavailable';
  stateRule: StateCallingRule | null | 'unavailable';
  /** Whether the caller is on the DNC list; false without a phone. */
  dncListed: boolean | 'unavailable';
}

const hourFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The local hour (0-23) of `instant` in `timeZone` (formatters kept per zone: they are costly to build);
 * NaN for a zone this runtime does not know, which no calling hours contain (fail closed).
 */
export function localHour(instant: Date, timeZone: string): number {
  let format = hourFormats.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' });
    } catch {
      return Number.NaN;
    }
    hourFormats.set(timeZone, format);
  }
  return Number(format.format(instant)) % 24;
}

/** Whether `hour` is within [start, end), hours that may wrap past midnight (e.g. 21 → 6). */
const withinHours = (hour: number, start: number, end: number): boolean =>
  start <= end ? hour >= start && hour < end : hour >= start || hour < end;

/**
 * Judges one bid against the buyer's routing criteria and the call's compliance answers: a pure function,
 * so the hot path is this plus three cache reads.
 */
export function judgeBid(candidate: BidCandidate, inputs: DecisionInputs): BidDecision {
  const reasons: RejectReason[] = [];
  const { routing, stateRule, dncListed } = inputs;
  if (routing === 'unavailable') reasons.push('ROUTING_UNAVAILABLE');
  else if (routing === null) reasons.push('BUYER_NO_CRITERIA');
  else {
    if (!routing.active) reasons.push('BUYER_INACTIVE');
    if (!routing.states.includes(candidate.call.state)) reasons.push('STATE_NOT_SERVED');
    if (candidate.amountCents < routing.minBidCents) reasons.push('BELOW_MIN_BID');
  }
  if (stateRule === 'unavailable' || dncListed === 'unavailable') reasons.push('COMPLIANCE_UNAVAILABLE');
  if (stateRule && stateRule !== 'unavailable') {
    const hour = localHour(new Date(candidate.call.time), stateRule.timezone);
    if (!withinHours(hour, stateRule.callingHoursStart, stateRule.callingHoursEnd)) {
      reasons.push('OUTSIDE_CALLING_HOURS');
    }
  }
  if (dncListed === true) reasons.push('DNC_LISTED');
  return { callId: candidate.callId, buyerId: candidate.buyerId, accepted: reasons.length === 0, reasons };
}
