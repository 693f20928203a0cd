import { Injectable, Logger } from '@nestjs/common';
import { BuyerRoutingChanged, Topic } from '@platform/contracts';
import { ConsumeEvent, EventInvalidator } from '@platform/service-kit';
import { buyerRoutingChangedInvalidation } from './bid-invalidation.map';

/**
 * Reacts to a buyer's routing criteria changing in the routing service: evicts this service's copy of
 * the buyer's profile and the buyer's open-bids view (`bids:buyer:{buyerID}:active`).
 */
@Injectable()
export class BuyerChangedListener {
  private readonly logger = new Logger(BuyerChangedListener.name);

  constructor(private readonly invalidator: EventInvalidator) {}

  /** Validated, deduplicated by `eventId` and recorded by the service's consumer. */
  @ConsumeEvent(Topic.BuyerRoutingChanged, BuyerRoutingChanged.Value)
  async handle(event: BuyerRoutingChanged.Value): Promise<void> {
    const plan = await this.invalidator.invalidate(buyerRoutingChangedInvalidation, event);
    this.logger.log(
      { eventId: event.eventId, buyerId: event.entityId, op: event.op, evicted: plan.keys },
      'Buyer routing changed',
    );
  }
}
