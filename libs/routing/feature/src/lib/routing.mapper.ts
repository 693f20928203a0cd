import type { BuyerRoutingCriteria } from '@platform/routing-data-access';
import { BuyerRoutingChanged } from '@platform/contracts';
import { routingV1 } from '@platform/proto';

/** A buyer's routing criteria as the REST API returns them. */
export interface BuyerRoutingView {
  id: string;
  buyerId: string;
  states: string[];
  minBidCents: number;
  maxConcurrentCalls: number;
  priority: number;
  active: boolean;
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
});

/** Entity → REST view: the event snapshot plus id and bookkeeping. */
export const toBuyerRoutingView = (criteria: BuyerRoutingCriteria): BuyerRoutingView => ({
  id: criteria.id,
  ...toBuyerRoutingSnapshot(criteria),
  version: criteria.version,
  createdAt: criteria.createdAt.toISOString(),
  updatedAt: criteria.updatedAt.toISOString(),
});

/** Entity → gRPC message. */
export const toBuyerRoutingMessage = (criteria: BuyerRoutingCriteria): routingV1.BuyerRoutingCriteria =>
  toBuyerRoutingView(criteria);
