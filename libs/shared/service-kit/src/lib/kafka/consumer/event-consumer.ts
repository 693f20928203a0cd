import { channel } from 'node:diagnostics_channel';
import { Logger } from '@nestjs/common';
import type { Admin, Consumer, EachBatchPayload, Kafka, Producer, TopicOffsets } from 'kafkajs';
import { coalesce } from './coalesce';
import type { ConsumerMetrics } from './consumer.metrics';
import { errorMessage } from '../../errors/error-message';
import { BatchProcessor, BatchRunner } from './batch-runner';
import {
  ConsumedMessage,
  MessageProcessor,
  MessageRunner,
  RetryPolicy,
  RunnerLogger,
} from './message-runner';

/** Options of {@link EventConsumer}. */
export interface EventConsumerOptions {
  /** The kafkajs client (the consumer, its admin and the dead-letter producer are made from it). */
  readonly kafka: Kafka;
  /** The consumer group; every instance of a service shares it, so each record is handled by one of them. */
  readonly groupId: string;
  /** One processor per topic; the consumer subscribes to exactly these topics. */
  readonly processors: ReadonlyMap<string, MessageProcessor>;
  /**
   * Topics handled a whole batch at once (see {@link BatchRunner}); their `processors` entry is the
   * record-by-record fallback after a batch failed for a reason other than a dependency outage.
   */
  readonly batchProcessors?: ReadonlyMap<string, BatchProcessor>;
  /** Retries and backoff. */
  readonly retry: RetryPolicy;
  /**
   * The producer for `<topic>.dlq` records (e.g. `KafkaService.producer()`); by default the consumer opens
   * an idempotent producer of its own.
   */
  readonly producer?: () => Promise<Producer>;
  /** Metrics; none when absent. */
  readonly metrics?: ConsumerMetrics;
  /**
   * Where a group without committed offsets starts: the oldest record (default) or only new ones. Replaying
   * an invalidation is harmless; missing one is not.
   */
  readonly fromBeginning?: boolean;
  /** Partitions handled in parallel (order is kept within each partition). Default 1. */
  readonly partitionsConsumedConcurrently?: number;
  /** Longest a fetch long-polls; shutdown waits for it, so keep it short. Default 1000 ms. */
  readonly maxWaitTimeInMs?: number;
  /** Default 10 s. */
  readonly sessionTimeout?: number;
  /** Default 1 s. */
  readonly heartbeatInterval?: number;
  readonly logger?: RunnerLogger;
  /** For tests: the source of jitter. */
  readonly random?: () => number;
}

/** One partition's next offset to commit, and the payload's commit function to send it with. */
interface OffsetToCommit {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly send: EachBatchPayload['commitOffsetsIfNecessary'];
}

/**
 * Commits the offsets of several partitions in one OffsetCommit request (the batches of one fetch finish
 * together). Any payload's commit function commits what it is given for the whole group, and, unlike
 * consumer.commitOffsets(), still works while the consumer stops, so the batches in flight at shutdown are
 * committed too.
 */
const commitTogether = async (offsets: readonly OffsetToCommit[]): Promise<void[]> => {
  const byTopic = new Map<string, Map<number, string>>();
  for (const { topic, partition, offset } of offsets) {
    const partitions = byTopic.get(topic) ?? new Map<number, string>();
    byTopic.set(topic, partitions);
    const known = partitions.get(partition);
    // Runs never overlap and a partition's batches run one after the other: the later offset is larger.
    if (known === undefined || BigInt(offset) > BigInt(known)) partitions.set(partition, offset);
  }
  const topics: TopicOffsets[] = [...byTopic].map(([topic, partitions]) => ({
    topic,
    partitions: [...partitions].map(([partition, offset]) => ({ partition, offset })),
  }));
  await offsets[0].send({ topics });
  return offsets.map(() => undefined);
};

/**
 * Published (synchronously) with `{ topic, partition, messages }` (kafkajs' messages of the batch) when a
 * fetched batch reaches the consumer, before it is handled: a tracing hook for benchmarks and diagnostics
 * (`npm run bench:events` times its stages with it). Without a subscriber it costs one property read.
 */
export const CONSUMER_BATCH_CHANNEL = 'service-kit:consumer:batch';
const batchChannel = channel(CONSUMER_BATCH_CHANNEL);

/** How long a scrape may wait for fresh offsets before it reports the last known lag. */
const LAG_REFRESH_TIMEOUT_MS = 2000;

/**
 * A Kafka consumer for entity-change events that never loses one and never blocks on a bad one, built on
 * kafkajs without Nest:
 *
 * - a topic with a batch processor is handled a fetched batch at a time (one inbox query, one merged
 *   invalidation, one dead-letter request for its poison records; see {@link BatchRunner}), others record
 *   by record;
 * - offsets are committed by hand, per partition and in order, only after the processor succeeded (or the
 *   record was dead-lettered), so a crash redelivers rather than skips;
 * - retries with exponential backoff and jitter, then `<topic>.dlq`, and the partition moves on
 *   (see {@link MessageRunner}); a transient failure (Redis down) holds the partition until it recovers;
 * - `stop()` lets the in-flight batch finish, commits it, leaves the group and disconnects;
 * - lag per owned partition is kept in `kafka_consumer_lag`, refreshed from the broker on every scrape.
 */
export class EventConsumer {
  private readonly logger: RunnerLogger;
  private readonly runner: BatchRunner;
  private readonly stopping = new AbortController();
  private consumer?: Consumer;
  private admin?: Promise<Admin>;
  private ownProducer?: Promise<Producer>;
  private assigned: Record<string, number[]> = {};
  private lagRefresh?: Promise<void>;
  private removeLagCollector?: () => void;
  private joinedOnce!: Promise<void>;
  private started = false;
  private readonly commit = coalesce(commitTogether);

  constructor(private readonly options: EventConsumerOptions) {
    this.logger = options.logger ?? new Logger(EventConsumer.name);
    const records = new MessageRunner({
      processors: options.processors,
      retry: options.retry,
      groupId: options.groupId,
      metrics: options.metrics,
      logger: this.logger,
      random: options.random,
      publishDeadLetter: async (topic, messages) => {
        const producer = await this.deadLetterProducer();
        await producer.send({ topic, acks: -1, messages: [...messages] });
      },
    });
    this.runner = new BatchRunner({
      processors: options.batchProcessors ?? new Map(),
      runner: records,
      metrics: options.metrics,
      logger: this.logger,
    });
  }

  /** The topics this consumer reads. */
  get topics(): string[] {
    return [...this.options.processors.keys()];
  }

  /**
   * Connects, subscribes and starts consuming in the background. Resolves once consumption has started;
   * {@link joined} tells when the group has assigned partitions.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('EventConsumer: start() called twice');
    this.started = true;
    const { kafka, groupId } = this.options;
    const consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeout ?? 10000,
      heartbeatInterval: this.options.heartbeatInterval ?? 1000,
      maxWaitTimeInMs: this.options.maxWaitTimeInMs ?? 1000,
    });
    this.consumer = consumer;
    this.joinedOnce = new Promise((resolve) => {
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        this.trackAssignment(event.payload.memberAssignment);
        resolve();
      });
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.logger.error(
        { groupId, restart: event.payload.restart, err: errorMessage(event.payload.error) },
        'Kafka consumer crashed',
      );
    });
    if (this.options.metrics) {
      this.removeLagCollector = this.options.metrics.onCollectLag(() => this.refreshLag());
    }
    await consumer.connect();
    await consumer.subscribe({ topics: this.topics, fromBeginning: this.options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Resolves once the consumer has joined its group (the first time). */
  joined(): Promise<void> {
    return this.joinedOnce;
  }

  /**
   * Stops consuming: a batch (or record) being handled finishes and is committed, waits between retries are
   * cut short (what is left stays uncommitted and is redelivered), then the consumer leaves its group and disconnects.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.removeLagCollector?.();
    const closing: Promise<unknown>[] = [];
    if (this.consumer) closing.push(this.consumer.disconnect());
    await Promise.allSettled(closing);
    const clients = await Promise.allSettled([this.admin, this.ownProducer]);
    await Promise.allSettled(
      clients.map((result) =>
        result.status === 'fulfilled' && result.value ? result.value.disconnect() : undefined,
      ),
    );
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale, resolveOffset, commitOffsetsIfNecessary } = payload;
    const { topic, partition } = batch;
    if (batchChannel.hasSubscribers) batchChannel.publish({ topic, partition, messages: batch.messages });
    // Aborted when the consumer stops or this partition is taken away (a seek or a rebalance).
    const partitionGone = new AbortController();
    const stop = () => partitionGone.abort();
    this.stopping.signal.addEventListener('abort', stop, { once: true });
    const watcher = setInterval(() => {
      if (!isRunning() || isStale()) stop();
    }, 200);
    try {
      if (!isRunning() || isStale() || this.stopping.signal.aborted) return;
      const messages: ConsumedMessage[] = batch.messages.map((message) => ({
        topic,
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers: message.headers ?? {},
        timestamp: message.timestamp,
      }));
      await this.runner.run(messages, { heartbeat, signal: partitionGone.signal }, async (count) => {
        const last = messages[count - 1].offset;
        const next = (BigInt(last) + 1n).toString();
        resolveOffset(last);
        // With the other partitions' batches of this fetch, in one request (see commitTogether).
        await this.commit({ topic, partition, offset: next, send: commitOffsetsIfNecessary });
        this.options.metrics?.setLag(topic, partition, Number(BigInt(batch.highWatermark) - BigInt(next)));
        await heartbeat();
      });
    } finally {
      clearInterval(watcher);
      this.stopping.signal.removeEventListener('abort', stop);
    }
  }

  private trackAssignment(assignment: Record<string, number[]>): void {
    const metrics = this.options.metrics;
    if (metrics) {
      for (const [topic, partitions] of Object.entries(this.assigned)) {
        for (const partition of partitions) {
          if (!(assignment[topic] ?? []).includes(partition)) metrics.removeLag(topic, partition);
        }
      }
    }
    this.assigned = assignment;
  }

  /** Asks the broker for high watermarks and the group's committed offsets of the partitions we own. */
  private refreshLag(): Promise<void> {
    this.lagRefresh ??= this.fetchLag()
      .catch((error) => this.logger.warn({ err: errorMessage(error) }, 'Could not refresh consumer lag'))
      .finally(() => (this.lagRefresh = undefined));
    return this.lagRefresh;
  }

  private async fetchLag(): Promise<void> {
    const metrics = this.options.metrics;
    const topics = Object.keys(this.assigned).filter((topic) => (this.assigned[topic] ?? []).length > 0);
    if (!metrics || topics.length === 0 || this.stopping.signal.aborted) return;
    this.admin ??= (async () => {
      const admin = this.options.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error) => {
      this.admin = undefined;
      throw error;
    });
    const admin = await this.admin;
    const work = (async () => {
      const committed = await admin.fetchOffsets({ groupId: this.options.groupId, topics });
      for (const topic of topics) {
        const ends = await admin.fetchTopicOffsets(topic);
        const done = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
        for (const partition of this.assigned[topic] ?? []) {
          const end = ends.find((entry) => entry.partition === partition);
          if (!end) continue;
          const commit = done.find((entry) => entry.partition === partition)?.offset ?? '-1';
          // No commit yet: everything from the oldest retained record is still to do.
          const from = commit === '-1' ? end.low : commit;
          metrics.setLag(topic, partition, Number(BigInt(end.high) - BigInt(from)));
        }
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      work,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('offsets not fetched in time')), LAG_REFRESH_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  private deadLetterProducer(): Promise<Producer> {
    if (this.options.producer) return this.options.producer();
    this.ownProducer ??= (async () => {
      const producer = this.options.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      return producer;
    })().catch((error) => {
      this.ownProducer = undefined;
      throw error;
    });
    return this.ownProducer;
  }
}
