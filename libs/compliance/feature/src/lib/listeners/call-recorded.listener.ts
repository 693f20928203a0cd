import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CallRecorded, ContractViolationError, parseEvent, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';

/**
 * Reacts to a call being recorded by the analytics service. Idempotent by `eventId`; a malformed event
 * is logged and skipped so the partition keeps moving. Feeds per-state attempt counting
 * (`maxAttemptsPerDay`) later; for now the call is recorded in the inbox and logged.
 */
@Controller()
export class CallRecordedListener {
  private readonly logger = new Logger(CallRecordedListener.name);

  constructor(private readonly inbox: InboxService) {}

  @EventPattern(Topic.CallRecorded)
  async handle(@Payload() message: unknown): Promise<void> {
    let event: CallRecorded.Value;
    try {
      event = parseEvent(Topic.CallRecorded, CallRecorded.Value, message);
    } catch (error) {
      if (error instanceof ContractViolationError) {
        this.logger.warn({ topic: error.topic, fields: error.fields }, 'Skipping malformed event');
        return;
      }
      throw error;
    }
    const first = await this.inbox.recordOnce({
      eventId: event.eventId,
      topic: Topic.CallRecorded,
      entityId: event.entityId,
    });
    if (!first) {
      this.logger.debug({ eventId: event.eventId }, 'Duplicate event ignored');
      return;
    }
    const call = event.after ?? event.before;
    this.logger.log(
      { eventId: event.eventId, callRecordId: event.entityId, state: call?.state, op: event.op },
      'Call recorded',
    );
  }
}
