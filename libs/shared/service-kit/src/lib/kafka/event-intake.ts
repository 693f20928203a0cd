import { Injectable, Logger } from '@nestjs/common';
import { ContractViolationError, EventEnvelope, parseEvent, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';
import type { z } from 'zod';

/** What became of one consumed message. */
export type IntakeOutcome = 'handled' | 'duplicate' | 'malformed';

/**
 * The common path of every Kafka listener: validate the message against its contract, skip one already
 * processed (dedupe by `eventId`), run the handler, then record the event. Recording after the handler
 * means a crash in between causes a redelivery to be handled again, never an event to be lost, so
 * handlers must be idempotent (invalidations are). A malformed message is logged with the fields at fault
 * and skipped so the partition keeps moving.
 */
@Injectable()
export class EventIntake {
  private readonly logger = new Logger(EventIntake.name);

  constructor(private readonly inbox: InboxService) {}

  /** Validates, deduplicates and handles one message of `topic`. */
  async consume<S extends z.ZodType<EventEnvelope>>(
    topic: Topic,
    schema: S,
    message: unknown,
    handle: (event: z.output<S>) => Promise<void> | void,
  ): Promise<IntakeOutcome> {
    let event: z.output<S>;
    try {
      event = parseEvent(topic, schema, message);
    } catch (error) {
      if (error instanceof ContractViolationError) {
        this.logger.warn({ topic, fields: error.fields }, 'Skipping malformed event');
        return 'malformed';
      }
      throw error;
    }
    if (await this.inbox.has(event.eventId)) {
      this.logger.debug({ topic, eventId: event.eventId }, 'Duplicate event ignored');
      return 'duplicate';
    }
    await handle(event);
    const first = await this.inbox.recordOnce({ eventId: event.eventId, topic, entityId: event.entityId });
    return first ? 'handled' : 'duplicate';
  }
}
