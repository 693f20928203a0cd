import { Controller, Get, Param } from '@nestjs/common';
import { CacheEntryRoute } from '@platform/cache/nest';
import { ApiEndpoint, ApiEntityId } from '@platform/service-kit';
import { BuyerActiveBidsSchema } from './bid.openapi';
import { IsEntityId } from '@platform/service-kit';
import { BuyerActiveBidsService, BuyerActiveBidsView } from './buyer-active-bids.service';
import { BID_CACHE_NAMESPACES, BidsNamespaceKeys } from './cache/bid-cache.keys';
import { BidReadTracker } from './cache/bid-read.tracker';

/** A buyer id in a path. */
export class BuyerIdParam {
  @ApiEntityId()
  @IsEntityId()
  buyerId: string;
}

/** REST API of per-buyer bid views. */
@Controller('bids/buyers')
export class BuyerBidsController {
  constructor(private readonly activeBids: BuyerActiveBidsService) {}

  /** The buyer's open bids and their eligibility (cached as `bids:buyer:{buyerID}:active`). */
  @Get(':buyerId/active')
  @ApiEndpoint({
    summary: 'The buyer’s open bids and whether each may compete',
    description: 'Judged against the buyer’s routing criteria, read from the routing service.',
    scope: 'bid:read',
    response: BuyerActiveBidsSchema,
  })
  @CacheEntryRoute({
    namespace: BID_CACHE_NAMESPACES.bids.namespace,
    key: ({ buyerId }) => (buyerId === undefined ? undefined : BidsNamespaceKeys.activeByBuyer(buyerId)),
    reads: BidReadTracker,
  })
  active(@Param() { buyerId }: BuyerIdParam): Promise<BuyerActiveBidsView> {
    return this.activeBids.get(buyerId);
  }
}
