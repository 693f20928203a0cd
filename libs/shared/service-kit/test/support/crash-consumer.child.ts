/**
 * The process the crash spec kills (consumer-pipeline.int-spec.ts): it consumes with the real pipeline,
 * and once a batch's inbox rows are written it tells the spec and never lets that write resolve, so the
 * batch's offset is never committed: the spec then kills it there, between the inbox write and the commit.
 */
import type { ConsumedEvent } from '@platform/database';
import { type Inbox } from '../../src';
import { realInbox, startPipelineConsumer } from './pipeline-consumer';

const { topic, groupId, schema } = JSON.parse(process.argv[2]) as {
  topic: string;
  groupId: string;
  schema: string;
};

async function main(): Promise<void> {
  const real = realInbox(schema);
  const inbox: Inbox = {
    has: (eventId) => real.has(eventId),
    recordOnce: (event) => real.recordOnce(event),
    processedAmong: (eventIds) => real.processedAmong(eventIds),
    recordMany: async (events: readonly ConsumedEvent[]) => {
      await real.recordMany(events);
      process.send?.({ type: 'recorded', eventIds: events.map((event) => event.eventId) });
      return new Promise<Set<string>>(() => undefined); // the crash comes before the commit
    },
  };
  await startPipelineConsumer({
    topic,
    groupId,
    inbox,
    onApplied: (event) => process.send?.({ type: 'applied', eventId: event.eventId }),
  });
  process.send?.({ type: 'ready' });
}

main().catch((error: Error) => {
  process.send?.({ type: 'error', message: error.stack ?? error.message });
  process.exit(1);
});
