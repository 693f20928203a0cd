import { Injectable, Logger } from '@nestjs/common';
import { CallRecorded, Topic } from '@platform/contracts';
import { ConsumeEvent, EventInvalidator } from '@platform/service-kit';
import { callRecordedInvalidation } from './analytics-invalidation.map';

/**
 * Evicts this service's own views when a call is recorded (by any instance, through the outbox): the
 * buyer's revenue, the hour's metrics and the KPIs.
 */
@Injectable()
export class CallRecordedListener {
  private readonly logger = new Logger(CallRecordedListener.name);

  constructor(private readonly invalidator: EventInvalidator) {}

  /** Validated, deduplicated by `eventId` and recorded by the service's consumer. */
  @ConsumeEvent(Topic.CallRecorded, CallRecorded.Value)
  async handle(event: CallRecorded.Value): Promise<void> {
    const plan = await this.invalidator.invalidate(callRecordedInvalidation, event);
    this.logger.debug({ eventId: event.eventId, callRecordId: event.entityId, ...plan }, 'Call recorded');
  }
}
