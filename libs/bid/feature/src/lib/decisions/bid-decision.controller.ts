import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiEndpoint, RequireScopes } from '@platform/service-kit';
import { BidDecisionsSchema } from '../bid.openapi';
import type { BidDecision } from './bid-decision';
import { DecideBidsDto } from './bid-decision.dto';
import { BidDecisionService } from './bid-decision.service';

/** REST entry of the bid decision path. */
@Controller('bids/decisions')
export class BidDecisionController {
  constructor(private readonly decisions: BidDecisionService) {}

  /** Accepts or rejects (with reasons) each bid of the batch, in order. */
  @Post()
  @ApiEndpoint({
    summary: 'Accept or reject each bid of a batch, with reasons',
    description: 'Up to 1000 bids; routing and compliance are consulted (their outages become reasons).',
    scope: 'bid:read',
    body: true,
    response: BidDecisionsSchema,
  })
  @RequireScopes('bid:read') // a decision reads bids, it changes none
  @HttpCode(200)
  async decide(@Body() body: DecideBidsDto): Promise<{ decisions: BidDecision[] }> {
    return { decisions: await this.decisions.decide(body.bids) };
  }
}
