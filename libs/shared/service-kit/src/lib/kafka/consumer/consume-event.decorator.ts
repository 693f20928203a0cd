import { SetMetadata } from '@nestjs/common';
import type { EventEnvelope, Topic } from '@platform/contracts';
import type { z } from 'zod';

/** Metadata key of {@link ConsumeEvent}. */
export const CONSUME_EVENT_METADATA = 'service-kit:consume-event';

/** What {@link ConsumeEvent} records on a method. */
export interface ConsumeEventMetadata {
  readonly topic: Topic;
  readonly schema: z.ZodType<EventEnvelope>;
}

/**
 * Marks a provider method as the handler of `topic`'s events. At boot the service's consumer finds every
 * such method (on any provider or controller), subscribes to its topic and calls it with the event parsed
 * and validated against `schema`, once per `eventId`. The method may be async; if it throws, the record
 * is retried with backoff and then dead-lettered (a cache `E_L2_UNAVAILABLE` is retried until Redis is back).
 * Several methods may handle one topic: they run in registration order, and the event counts as handled
 * once all of them succeeded. Every consumed topic must be listed in the service spec's `kafka.consumes`.
 *
 * @example
 * \@ConsumeEvent(Topic.BidChanged, BidChanged.Value)
 * async onBidChanged(event: BidChanged.Value) { await this.invalidator.apply(...) }
 */
export const ConsumeEvent = <S extends z.ZodType<EventEnvelope>>(topic: Topic, schema: S): MethodDecorator =>
  SetMetadata<string, ConsumeEventMetadata>(CONSUME_EVENT_METADATA, { topic, schema });
