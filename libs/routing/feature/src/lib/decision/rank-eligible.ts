import { localMinute, withinHours } from './calling-hours';

/**
 * One buyer in a state's precomputed route (`routing:geo:{state}`): what a decision needs of its criteria.
 * Plain JSON, so it round-trips through L2 unchanged.
 */
export interface RouteCandidate {
  buyerId: string;
  priority: number;
  minBidCents: number;
  timeZone: string;
  hoursStartMinute: number;
  hoursEndMinute: number;
  /** Null: no cap. */
  dailyCap: number | null;
}

/** What {@link rankEligible} decides over. */
export interface EligibilityInput {
  /** The state's active buyers, already in rank order (priority, then price floor, then id). */
  candidates: readonly RouteCandidate[];
  /** When the call arrives, epoch ms. */
  atMs: number;
  /** The call's bid; undefined: no price-floor check. */
  bidCents?: number;
  /** Calls already routed to the buyer today (UTC). */
  routedToday: (buyerId: string) => number;
  /** Most buyers to return. */
  limit: number;
}

/**
 * The candidates eligible for the call, in rank order: within their calling hours in their own time zone,
 * under their daily cap, and (when the call has a bid) with a price floor at or below it. The candidates are
 * active and serve the state by construction of the route.
 */
export function rankEligible({
  candidates,
  atMs,
  bidCents,
  routedToday,
  limit,
}: EligibilityInput): RouteCandidate[] {
  const eligible: RouteCandidate[] = [];
  for (const candidate of candidates) {
    if (eligible.length >= limit) break;
    if (bidCents !== undefined && candidate.minBidCents > bidCents) continue;
    const minute = localMinute(candidate.timeZone, atMs);
    if (!withinHours(minute, candidate.hoursStartMinute, candidate.hoursEndMinute)) continue;
    if (candidate.dailyCap !== null && routedToday(candidate.buyerId) >= candidate.dailyCap) continue;
    eligible.push(candidate);
  }
  return eligible;
}
