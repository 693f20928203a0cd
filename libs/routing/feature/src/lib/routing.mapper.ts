import type { BuyerRouteRow, BuyerRoutingCriteria } from '@platform/routing-data-access';
import { BuyerRoutingChanged } from '@platform/contracts';
import { routingV1 } from '@platform/proto';
import { clockOf } from './decision/calling-hours';
import type { RouteCandidate } from './decision/rank-eligible';

/** A buyer's routing criteria as the REST API returns them, and as `routing:buyer:{buyerID}` holds them. */
export interface BuyerRoutingView {
  id: string;
  buyerId: string;
  states: string[];
  minBidCents: number;
  maxConcurrentCalls: number;
  priority: number;
  active: boolean;
  /** IANA time zone of the calling hours. */
  timeZone: string;
  /** `HH:MM` in `timeZone`. */
  hoursStart: string;
  /** `HH:MM` in `timeZone`, exclusive (`24:00`: to midnight). */
  hoursEnd: string;
  /** Most calls per UTC day; null: no cap. */
  dailyCap: number | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Entity → event snapshot (what consumers need to invalidate). */
export const toBuyerRoutingSnapshot = (criteria: BuyerRoutingCriteria): BuyerRoutingChanged.Snapshot => ({
  buyerId: criteria.buyerId,
  states: [...criteria.states],
  minBidCents: criteria.minBidCents,
  maxConcurrentCalls: criteria.maxConcurrentCalls,
  priority: criteria.priority,
  active: criteria.active,
  timeZone: criteria.timeZone,
  hoursStartMinute: criteria.hoursStartMinute,
  hoursEndMinute: criteria.hoursEndMinute,
  dailyCap: criteria.dailyCap,
});

/** Entity → REST view (JSON-safe, so it is also the cached value). */
export const toBuyerRoutingView = (criteria: BuyerRoutingCriteria): BuyerRoutingView => ({
  id: criteria.id,
  buyerId: criteria.buyerId,
  states: [...criteria.states],
  minBidCents: criteria.minBidCents,
  maxConcurrentCalls: criteria.maxConcurrentCalls,
  priority: criteria.priority,
  active: criteria.active,
  timeZone: criteria.timeZone,
  hoursStart: clockOf(criteria.hoursStartMinute),
  hoursEnd: clockOf(criteria.hoursEndMinute),
  dailyCap: criteria.dailyCap,
  version: criteria.version,
  createdAt: criteria.createdAt.toISOString(),
  updatedAt: criteria.updatedAt.toISOString(),
});

/** REST view → gRPC message (an unset `daily_cap` is "no cap"). */
export const toBuyerRoutingMessage = ({
  dailyCap,
  ...view
}: BuyerRoutingView): routingV1.BuyerRoutingCriteria => ({
  ...view,
  ...(dailyCap === null ? {} : { dailyCap }),
});

/** Route row → one candidate of a state's precomputed route. */
export const toRouteCandidate = (criteria: BuyerRouteRow): RouteCandidate => ({
  buyerId: criteria.buyerId,
  priority: criteria.priority,
  minBidCents: criteria.minBidCents,
  timeZone: criteria.timeZone,
  hoursStartMinute: criteria.hoursStartMinute,
  hoursEndMinute: criteria.hoursEndMinute,
  dailyCap: criteria.dailyCap,
});
