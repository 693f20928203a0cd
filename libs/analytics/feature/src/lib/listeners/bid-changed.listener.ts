import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { BidChanged, Topic } from '@platform/contracts';
import { EventIntake, IntakeOutcome } from '@platform/service-kit';

/**
 * Reacts to a bid changing in the bid service. The invalidation of the buyer's revenue views
 * (`analytics:revenue:{buyerID}:{period}`) plugs in here once the cache engine lands.
 */
@Controller()
export class BidChangedListener {
  private readonly logger = new Logger(BidChangedListener.name);

  constructor(private readonly intake: EventIntake) {}

  /** Validated, deduplicated by `eventId` and recorded by {@link EventIntake}. */
  @EventPattern(Topic.BidChanged)
  handle(@Payload() message: unknown): Promise<IntakeOutcome> {
    return this.intake.consume(Topic.BidChanged, BidChanged.Value, message, (event) => {
      // A bid moved from buyer A to buyer B touches both buyers' revenue.
      const buyerIds = [...new Set([event.before?.buyerId, event.after?.buyerId].filter(Boolean))];
      this.logger.log(
        { eventId: event.eventId, bidId: event.entityId, buyerIds, op: event.op },
        'Bid changed',
      );
    });
  }
}
