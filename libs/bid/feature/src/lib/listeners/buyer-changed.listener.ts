import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { BuyerRoutingChanged, Topic } from '@platform/contracts';
import { EventIntake, IntakeOutcome } from '@platform/service-kit';

/**
 * Reacts to a buyer's routing criteria changing in the routing service. The eviction of
 * `bids:buyer:{buyerID}:active` plugs in here once the cache engine lands.
 */
@Controller()
export class BuyerChangedListener {
  private readonly logger = new Logger(BuyerChangedListener.name);

  constructor(private readonly intake: EventIntake) {}

  /** Validated, deduplicated by `eventId` and recorded by {@link EventIntake}. */
  @EventPattern(Topic.BuyerRoutingChanged)
  handle(@Payload() message: unknown): Promise<IntakeOutcome> {
    return this.intake.consume(Topic.BuyerRoutingChanged, BuyerRoutingChanged.Value, message, (event) => {
      this.logger.log(
        { eventId: event.eventId, buyerId: event.entityId, op: event.op },
        'Buyer routing changed',
      );
    });
  }
}
