import { Injectable, Logger } from '@nestjs/common';
import { BuyerRoutingChanged, Topic } from '@platform/contracts';
import { ConsumeEvent, EventInvalidator } from '@platform/service-kit';
import { buyerRoutingChangedInvalidation } from './routing-invalidation.map';

/**
 * Evicts this service's own routing caches when a buyer's criteria change. Writes from every instance reach
 * `routing.buyer.changed.v1` through the outbox, so this consumer invalidates for all instances at once.
 */
@Injectable()
export class BuyerChangedListener {
  private readonly logger = new Logger(BuyerChangedListener.name);

  constructor(private readonly invalidator: EventInvalidator) {}

  /** Validated, deduplicated by `eventId` and recorded by the service's consumer. */
  @ConsumeEvent(Topic.BuyerRoutingChanged, BuyerRoutingChanged.Value)
  async handle(event: BuyerRoutingChanged.Value): Promise<void> {
    const plan = await this.invalidator.invalidate(buyerRoutingChangedInvalidation, event);
    this.logger.debug(
      { eventId: event.eventId, buyerId: event.entityId, evicted: plan.keys },
      'Buyer changed',
    );
  }
}
