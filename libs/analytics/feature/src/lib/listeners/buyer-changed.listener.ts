import { Injectable, Logger } from '@nestjs/common';
import { BuyerRoutingChanged, Topic } from '@platform/contracts';
import { ConsumeEvent, EventInvalidator } from '@platform/service-kit';
import { buyerRoutingChangedInvalidation } from './analytics-invalidation.map';

/** Reacts to a buyer's routing criteria changing: evicts the buyer's revenue views and profile copy. */
@Injectable()
export class BuyerChangedListener {
  private readonly logger = new Logger(BuyerChangedListener.name);

  constructor(private readonly invalidator: EventInvalidator) {}

  /** Validated, deduplicated by `eventId` and recorded by the service's consumer. */
  @ConsumeEvent(Topic.BuyerRoutingChanged, BuyerRoutingChanged.Value)
  async handle(event: BuyerRoutingChanged.Value): Promise<void> {
    const plan = await this.invalidator.invalidate(buyerRoutingChangedInvalidation, event);
    this.logger.debug({ eventId: event.eventId, buyerId: event.entityId, ...plan }, 'Buyer routing changed');
  }
}
