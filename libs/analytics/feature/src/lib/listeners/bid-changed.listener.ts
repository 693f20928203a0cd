import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { BidChanged, ContractViolationError, parseEvent, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';

/**
 * Reacts to a bid changing in the bid service. Idempotent by `eventId`; a malformed event is logged
 * and skipped so the partition keeps moving. The invalidation of the buyer's revenue views
 * (`analytics:revenue:{buyerID}:{period}`) plugs in here once the cache engine lands.
 */
@Controller()
export class BidChangedListener {
  private readonly logger = new Logger(BidChangedListener.name);

  constructor(private readonly inbox: InboxService) {}

  @EventPattern(Topic.BidChanged)
  async handle(@Payload() message: unknown): Promise<void> {
    let event: BidChanged.Value;
    try {
      event = parseEvent(Topic.BidChanged, BidChanged.Value, message);
    } catch (error) {
      if (error instanceof ContractViolationError) {
        this.logger.warn({ topic: error.topic, fields: error.fields }, 'Skipping malformed event');
        return;
      }
      throw error;
    }
    const first = await this.inbox.recordOnce({
      eventId: event.eventId,
      topic: Topic.BidChanged,
      entityId: event.entityId,
    });
    if (!first) {
      this.logger.debug({ eventId: event.eventId }, 'Duplicate event ignored');
      return;
    }
    // A bid moved from buyer A to buyer B touches both buyers' revenue.
    const buyerIds = [...new Set([event.before?.buyerId, event.after?.buyerId].filter(Boolean))];
    this.logger.log({ eventId: event.eventId, bidId: event.entityId, buyerIds, op: event.op }, 'Bid changed');
  }
}
