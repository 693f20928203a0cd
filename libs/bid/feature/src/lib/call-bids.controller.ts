import { Controller, Get, Param } from '@nestjs/common';
import { ApiEndpoint, ApiEntityId } from '@platform/service-kit';
import { BidSchema } from './bid.openapi';
import { IsEntityId } from '@platform/service-kit';
import { BidService } from './bid.service';
import { BidView } from './bid.mapper';

/** A call id in a path. */
export class CallIdParam {
  @ApiEntityId({ example: 'call-1001' })
  @IsEntityId()
  callId: string;
}

/** REST API of per-call bid lists. */
@Controller('bids/calls')
export class CallBidsController {
  constructor(private readonly bids: BidService) {}

  /** The call's bids, newest first (cached as `bids:call:{callID}`). */
  @Get(':callId')
  @ApiEndpoint({ summary: 'The call’s bids, newest first', scope: 'bid:read', response: [BidSchema] })
  list(@Param() { callId }: CallIdParam): Promise<BidView[]> {
    return this.bids.listForCall(callId);
  }
}
