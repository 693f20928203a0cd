import { Injectable, Logger } from '@nestjs/common';
import { BidChanged, Topic } from '@platform/contracts';
import { ConsumeEvent, EventInvalidator } from '@platform/service-kit';
import { bidChangedInvalidation } from './analytics-invalidation.map';

/** Reacts to a bid changing in the bid service; invalidates what the analytics map says (nothing yet). */
@Injectable()
export class BidChangedListener {
  private readonly logger = new Logger(BidChangedListener.name);

  constructor(private readonly invalidator: EventInvalidator) {}

  /** Validated, deduplicated by `eventId` and recorded by the service's consumer. */
  @ConsumeEvent(Topic.BidChanged, BidChanged.Value)
  async handle(event: BidChanged.Value): Promise<void> {
    await this.invalidator.invalidate(bidChangedInvalidation, event);
    // A bid moved from buyer A to buyer B touches both buyers.
    const buyerIds = [...new Set([event.before?.buyerId, event.after?.buyerId].filter(Boolean))];
    this.logger.log({ eventId: event.eventId, bidId: event.entityId, buyerIds, op: event.op }, 'Bid changed');
  }
}
