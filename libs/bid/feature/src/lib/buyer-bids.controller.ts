import { Controller, Get, Param } from '@nestjs/common';
import { IsEntityId, unwrapLoaderError } from '@platform/service-kit';
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
  async active(@Param() { buyerId }: BuyerIdParam): Promise<BuyerActiveBidsView> {
    try {
      return await this.activeBids.get(buyerId);
    } catch (error) {
      throw unwrapLoaderError(error);
    }
  }
}
