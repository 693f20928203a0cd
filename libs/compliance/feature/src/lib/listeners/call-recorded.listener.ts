import { Injectable, Logger } from '@nestjs/common';
import { CallRecorded, Topic } from '@platform/contracts';
import { ConsumeEvent, EventInvalidator } from '@platform/service-kit';
import { callRecordedInvalidation } from './compliance-invalidation.map';

/**
 * Reacts to a call being recorded by the analytics service. Feeds per-state attempt counting
 * (`maxAttemptsPerDay`) later; for now the call is recorded in the inbox, logged, and invalidates what the
 * map says (nothing yet).
 */
@Injectable()
export class CallRecordedListener {
  private readonly logger = new Logger(CallRecordedListener.name);

  constructor(private readonly invalidator: EventInvalidator) {}

  /** Validated, deduplicated by `eventId` and recorded by the service's consumer. */
  @ConsumeEvent(Topic.CallRecorded, CallRecorded.Value)
  async handle(event: CallRecorded.Value): Promise<void> {
    await this.invalidator.invalidate(callRecordedInvalidation, event);
    const call = event.after ?? event.before;
    this.logger.log(
      { eventId: event.eventId, callRecordId: event.entityId, state: call?.state, op: event.op },
      'Call recorded',
    );
  }
}
