import { Controller, Get, Param } from '@nestjs/common';
import { IsEntityId } from '@platform/service-kit';
import { BuyerActiveBidsService, BuyerActiveBidsView } from './buyer-active-bids.service';

/** A buyer id in a path. */
export class BuyerIdParam {
  @IsEntityId()
  buyerId: string;
}

/** REST API of per-buyer bid views. */
@Controller('bids/buyers')
export class BuyerBidsController {
  constructor(private readonly activeBids: BuyerActiveBidsService) {}

  /** The buyer's open bids and their eligibility (cached as `bids:buyer:{buyerID}:active`). */
  @Get(':buyerId/active')
  active(@Param() { buyerId }: BuyerIdParam): Promise<BuyerActiveBidsView> {
    return this.activeBids.get(buyerId);
  }
}
