import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CallRecorded, Topic } from '@platform/contracts';
import { EventIntake, IntakeOutcome } from '@platform/service-kit';

/**
 * Reacts to a call being recorded by the analytics service. Feeds per-state attempt counting
 * (`maxAttemptsPerDay`) later; for now the call is recorded in the inbox and logged.
 */
@Controller()
export class CallRecordedListener {
  private readonly logger = new Logger(CallRecordedListener.name);

  constructor(private readonly intake: EventIntake) {}

  /** Validated, deduplicated by `eventId` and recorded by {@link EventIntake}. */
  @EventPattern(Topic.CallRecorded)
  handle(@Payload() message: unknown): Promise<IntakeOutcome> {
    return this.intake.consume(Topic.CallRecorded, CallRecorded.Value, message, (event) => {
      const call = event.after ?? event.before;
      this.logger.log(
        { eventId: event.eventId, callRecordId: event.entityId, state: call?.state, op: event.op },
        'Call recorded',
      );
    });
  }
}
