/**
 * The consumer path of a service without Nest, for the pipeline specs: a real {@link EventConsumer}
 * (Kafka) whose topic is handled a batch at a time by a real {@link EventIntake} on a real
 * {@link ConsumerInbox} (Postgres), as `EventConsumerService` wires them. The spec (or the child process
 * of the crash spec) gets to see every application of an event and every batch's outcomes, and may wrap
 * the inbox to hold its writes.
 */
import { loadServiceConfig, type ServiceConfig } from '@platform/config';
import { createEnvelope, entityChangedSchema, type Topic } from '@platform/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { z } from 'zod';
import {
  type BatchOutcome,
  ConsumerInbox,
  EventConsumer,
  EventIntake,
  type Inbox,
  type MessageProcessor,
} from '../../src';
import { stackEnv } from '../../src/testing';

export const ItemChanged = entityChangedSchema('item', z.object({ id: z.string(), value: z.number() }));
export type ItemChanged = z.infer<typeof ItemChanged>;

/** An `item` change event, as a JSON record value. */
export const itemEvent = (id: string, value: number): { eventId: string; value: string } => {
  const event = createEnvelope({
    entity: 'item' as const,
    entityId: id,
    op: 'updated',
    version: value,
    before: null,
    after: { id, value },
  });
  return { eventId: event.eventId, value: JSON.stringify(event) };
};

export const pipelineConfig = (schema: string): ServiceConfig =>
  loadServiceConfig({ name: 'pipeline-test', httpPort: 0, grpcPort: 0, dbSchema: schema }, stackEnv());

export interface PipelineConsumerOptions {
  readonly topic: string;
  readonly groupId: string;
  readonly inbox: Inbox;
  /** Called once per application of an event (its batch's fresh events, after dedupe). */
  readonly onApplied: (event: ItemChanged) => void;
  /** Called with each batch's outcomes. */
  readonly onOutcomes?: (outcomes: readonly BatchOutcome[]) => void;
}

export const pipelineKafka = (): Kafka =>
  new Kafka({
    clientId: 'consumer-pipeline-int-spec',
    brokers: stackEnv()['KAFKA_BROKERS'].split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2000 },
  });

/** Starts the consumer; resolves once it has joined its group. */
export async function startPipelineConsumer(options: PipelineConsumerOptions): Promise<EventConsumer> {
  const topic = options.topic as Topic;
  const intake = new EventIntake(options.inbox);
  const handle = (events: readonly ItemChanged[]) => {
    for (const event of events) options.onApplied(event);
  };
  const unused: MessageProcessor = async () => {
    throw new Error('the record-by-record path is not expected here');
  };
  const consumer = new EventConsumer({
    kafka: pipelineKafka(),
    groupId: options.groupId,
    processors: new Map([[topic, unused]]),
    batchProcessors: new Map([
      [
        topic,
        async (messages, { stop }) => {
          const result = await intake.processBatch(
            topic,
            ItemChanged,
            messages.map((message) => message.value),
            handle,
            { stop },
          );
          options.onOutcomes?.(result.outcomes);
          return result;
        },
      ],
    ]),
    retry: { maxAttempts: 3, initialMs: 10, maxMs: 50 },
    // The crash spec's survivor waits for the killed member's session to end before it gets the partition.
    sessionTimeout: 6000,
    maxWaitTimeInMs: 200,
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
  });
  await consumer.start();
  await consumer.joined();
  return consumer;
}

/** The real inbox of `schema`. */
export const realInbox = (schema: string): ConsumerInbox => new ConsumerInbox(pipelineConfig(schema));
