import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { BuyerRoutingChanged, ContractViolationError, parseEvent, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';

/**
 * Reacts to a buyer's routing criteria changing in the routing service. Idempotent by `eventId`;
 * a malformed event is logged and skipped so the partition keeps moving. The eviction of
 * `bids:buyer:{buyerID}:active` plugs in here once the cache engine lands.
 */
@Controller()
export class BuyerChangedListener {
  private readonly logger = new Logger(BuyerChangedListener.name);

  constructor(private readonly inbox: InboxService) {}

  @EventPattern(Topic.BuyerRoutingChanged)
  async handle(@Payload() message: unknown): Promise<void> {
    let event: BuyerRoutingChanged.Value;
    try {
      event = parseEvent(Topic.BuyerRoutingChanged, BuyerRoutingChanged.Value, message);
    } catch (error) {
      if (error instanceof ContractViolationError) {
        this.logger.warn({ topic: error.topic, fields: error.fields }, 'Skipping malformed event');
        return;
      }
      throw error;
    }
    const first = await this.inbox.recordOnce({
      eventId: event.eventId,
      topic: Topic.BuyerRoutingChanged,
      entityId: event.entityId,
    });
    if (!first) {
      this.logger.debug({ eventId: event.eventId }, 'Duplicate event ignored');
      return;
    }
    this.logger.log(
      { eventId: event.eventId, buyerId: event.entityId, op: event.op },
      'Buyer routing changed',
    );
  }
}
