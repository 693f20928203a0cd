import { Inject, Injectable, Logger } from '@nestjs/common';
import { ContractViolationError, EventEnvelope, parseEvent, Topic } from '@platform/contracts';
import type { z } from 'zod';
import { ConsumerInbox, type Inbox } from './consumer-inbox';
import { PoisonMessageError, TransientConsumerError } from './consumer/consumer-errors';
import type { BatchOutcome } from './consumer/batch-runner';

/** A handler of a validated event. */
export type EventHandlerFn<E> = (event: E) => Promise<void> | void;

/** A handler of a batch's fresh (not yet processed) events, in offset order. */
export type BatchHandlerFn<E> = (events: readonly E[]) => Promise<void> | void;

/**
 * The common path of every Kafka listener: validate the message against its contract, skip one already
 * processed (dedupe by `eventId`), run the handler, then record the event. Recording after the handler
 * means a crash in between causes a redelivery to be handled again, never an event to be lost, so
 * handlers must be idempotent (invalidations are). A malformed message is the consumer's to dead-letter,
 * so the partition keeps moving.
 */
@Injectable()
export class EventIntake {
  private readonly logger = new Logger(EventIntake.name);

  /** The inbox is the consumer's own ({@link ConsumerInbox}), so request traffic cannot delay evictions. */
  constructor(@Inject(ConsumerInbox) private readonly inbox: Inbox) {}

  /**
   * Used by the Kafka consumer: parses the raw record value, validates it, skips a duplicate, runs every
   * handler in order, then records the event. A malformed record throws {@link PoisonMessageError} (the
   * consumer dead-letters it), and an inbox (Postgres)
   * failure becomes a {@link TransientConsumerError} (retried, never dead-lettered). Handler errors pass
   * through unchanged for the consumer to classify.
   */
  async process<S extends z.ZodType<EventEnvelope>>(
    topic: Topic,
    schema: S,
    raw: Buffer | string | null,
    handlers: readonly EventHandlerFn<z.output<S>>[],
  ): Promise<'handled' | 'duplicate'> {
    const event = parseRecord(topic, schema, raw);
    if (await this.inboxCall(() => this.inbox.has(event.eventId))) {
      this.logger.debug({ topic, eventId: event.eventId }, 'Duplicate event ignored');
      return 'duplicate';
    }
    for (const handle of handlers) await handle(event);
    const first = await this.inboxCall(() =>
      this.inbox.recordOnce({ eventId: event.eventId, topic, entityId: event.entityId }),
    );
    return first ? 'handled' : 'duplicate';
  }

  /**
   * Used by the Kafka consumer for a whole batch of one partition: parses and validates each record (a
   * malformed one gets its {@link PoisonMessageError} in its slot and does not hold the others back), drops
   * events already processed (by `eventId`, in one inbox statement, and repeats within the batch), hands the
   * rest to `handle` at once in offset order, then records them in one statement. Resolves one outcome per
   * record, in order. An inbox (Postgres) failure rejects with a {@link TransientConsumerError}; a `handle`
   * failure rejects unchanged; either way nothing was recorded, so the whole batch can be retried.
   */
  async processBatch<S extends z.ZodType<EventEnvelope>>(
    topic: Topic,
    schema: S,
    raws: readonly (Buffer | string | null)[],
    handle: BatchHandlerFn<z.output<S>>,
  ): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = new Array(raws.length);
    const parsed: { index: number; event: z.output<S>; id: string }[] = [];
    raws.forEach((raw, index) => {
      try {
        const event = parseRecord(topic, schema, raw);
        parsed.push({ index, event, id: event.eventId.toLowerCase() });
      } catch (error) {
        outcomes[index] = { poison: error };
      }
    });
    const done = await this.inboxCall(() => this.inbox.processedAmong(parsed.map((p) => p.id)));
    const fresh: typeof parsed = [];
    for (const item of parsed) {
      if (done.has(item.id)) {
        outcomes[item.index] = 'duplicate';
      } else {
        done.add(item.id); // a repeat later in the same batch is a duplicate too
        fresh.push(item);
      }
    }
    if (fresh.length > 0) await handle(fresh.map((item) => item.event));
    const recorded = await this.inboxCall(() =>
      this.inbox.recordMany(fresh.map(({ event, id }) => ({ eventId: id, topic, entityId: event.entityId }))),
    );
    for (const item of fresh) outcomes[item.index] = recorded.has(item.id) ? 'handled' : 'duplicate';
    return outcomes;
  }

  private async inboxCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new TransientConsumerError(
        `Inbox unavailable: ${error instanceof Error ? error.message : error}`,
        {
          cause: error,
          code: 'INBOX.UNAVAILABLE',
        },
      );
    }
  }
}

/** Parses and validates one record value; anything unusable is a {@link PoisonMessageError}. */
function parseRecord<S extends z.ZodType<EventEnvelope>>(
  topic: Topic,
  schema: S,
  raw: Buffer | string | null,
): z.output<S> {
  if (raw === null || raw.length === 0) {
    throw new PoisonMessageError(`Empty record on ${topic}`, { code: 'EVENT.EMPTY' });
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString());
  } catch (error) {
    throw new PoisonMessageError(`Record on ${topic} is not JSON`, { cause: error, code: 'EVENT.NOT_JSON' });
  }
  try {
    return parseEvent(topic, schema, value);
  } catch (error) {
    if (error instanceof ContractViolationError) {
      throw new PoisonMessageError(error.message, { cause: error, code: error.code });
    }
    throw error;
  }
}
