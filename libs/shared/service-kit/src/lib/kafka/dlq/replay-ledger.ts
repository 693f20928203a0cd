import type { Admin, Kafka, Message } from 'kafkajs';
import { DeadLetteredRecord, recordAddress } from './dlq-record';
import { readTopicSnapshot } from './topic-snapshot';

/**
 * The replay ledger of a dead-letter topic, `<dlq topic>.replayed`: one record per dead-letter record sent
 * back, keyed by its address (`<dlq topic>/<partition>/<offset>`), on a compacted topic of one partition.
 * A replay skips what the ledger holds, whatever filters either run used, which a consumer group's committed
 * offset could not do (a filtered run would move it past records it did not replay).
 */
export const ledgerTopic = (dlqTopic: string): string => `${dlqTopic}.replayed`;

/** The addresses of the records already replayed from `dlqTopic` (empty when nothing ever was). */
export async function readLedger(kafka: Kafka, admin: Admin, dlqTopic: string): Promise<Set<string>> {
  const replayed = new Set<string>();
  const topic = ledgerTopic(dlqTopic);
  if (!(await admin.listTopics()).includes(topic)) return replayed;
  await readTopicSnapshot(kafka, admin, topic, async ({ messages }) => {
    for (const message of messages) if (message.key) replayed.add(message.key.toString());
  });
  return replayed;
}

/** Creates the ledger topic of `dlqTopic` unless it exists (compacted: one record per key is all it needs). */
export async function ensureLedger(admin: Admin, dlqTopic: string): Promise<void> {
  const topic = ledgerTopic(dlqTopic);
  if ((await admin.listTopics()).includes(topic)) return;
  await admin
    .createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    })
    .catch((error: unknown) => {
      // Another replay may have created it a moment ago.
      if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw error;
    });
}

/** The ledger records of `records`, replayed at `now`. */
export function ledgerMessages(records: readonly DeadLetteredRecord[], now = new Date()): Message[] {
  return records.map((record) => ({
    key: recordAddress(record),
    value: JSON.stringify({
      replayedAt: now.toISOString(),
      topic: record.originalTopic,
      eventId: record.eventId ?? null,
    }),
  }));
}
