import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { randomUUID } from 'node:crypto';

/** The records of one partition's fetch, in offset order. */
export interface SnapshotBatch {
  readonly partition: number;
  readonly messages: readonly KafkaMessage[];
}

/** Options of {@link readTopicSnapshot}. */
export interface TopicSnapshotOptions {
  /** Called once with how many records the snapshot spans (offsets, so an upper bound), before any batch. */
  readonly onStart?: (total: number) => void;
  /** Fails the read when no batch arrives for this long. Default 60 s. */
  readonly idleTimeoutMs?: number;
}

/**
 * Reads every record `topic` holds now (from each partition's oldest retained offset to its end when the read
 * starts; later records are left alone), handing them over a batch at a time and waiting for `onBatch` before
 * the next. kafkajs only consumes through a group, so the read uses a throwaway group that commits nothing and
 * is deleted afterwards: no service's group, and no offset anyone relies on, is touched.
 */
export async function readTopicSnapshot(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  onBatch: (batch: SnapshotBatch) => Promise<void>,
  options: TopicSnapshotOptions = {},
): Promise<void> {
  const ends = new Map<number, bigint>();
  let total = 0n;
  for (const { partition, low, high } of await admin.fetchTopicOffsets(topic)) {
    if (BigInt(high) > BigInt(low)) {
      ends.set(partition, BigInt(high));
      total += BigInt(high) - BigInt(low);
    }
  }
  options.onStart?.(Number(total));
  if (ends.size === 0) return;

  const groupId = `dlq-tool-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
  const idleMs = options.idleTimeoutMs ?? 60_000;
  let failed = false;
  let idle: NodeJS.Timeout | undefined;
  let settle!: (error?: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    settle = (error) => {
      clearTimeout(idle);
      if (error === undefined) resolve();
      else {
        failed = true;
        reject(error);
      }
    };
  });
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(
      () => settle(new Error(`no records of ${topic} arrived for ${idleMs} ms (is the broker reachable?)`)),
      idleMs,
    );
  };
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) settle(event.payload.error);
  });
  try {
    armIdle();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const end = ends.get(batch.partition);
        if (failed || end === undefined) return;
        armIdle();
        const messages = batch.messages.filter((message) => BigInt(message.offset) < end);
        try {
          if (messages.length > 0) await onBatch({ partition: batch.partition, messages });
        } catch (error) {
          return settle(error);
        }
        await heartbeat();
        // lastOffset() is the high watermark - 1 for an empty batch, so a partition ending in a gap finishes too.
        if (BigInt(batch.lastOffset()) + 1n >= end) {
          ends.delete(batch.partition);
          if (ends.size === 0) settle();
        }
      },
    });
    await finished;
  } finally {
    clearTimeout(idle);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
