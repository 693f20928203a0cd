import type { KafkaClientConfig } from '@platform/config';
import { Admin, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { explainKafkaError, kafkaConnectionOptions } from '../kafka-connection';
import {
  DeadLetteredRecord,
  DlqFilter,
  matchesFilter,
  readDeadLetter,
  recordAddress,
  replayMessage,
  resolveDlqTopic,
} from './dlq-record';
import { DlqSummary, DlqSummaryBuilder } from './dlq-summary';
import { ensureLedger, ledgerMessages, ledgerTopic, readLedger } from './replay-ledger';
import { readTopicSnapshot } from './topic-snapshot';

/** The topic given to the tool does not exist on the brokers. */
export class UnknownTopicError extends Error {
  /** Stable code for scripts. */
  readonly code = 'DLQ.UNKNOWN_TOPIC';

  constructor(readonly topic: string) {
    super(`topic "${topic}" does not exist on the brokers (a service creates <topic>.dlq at boot)`);
    this.name = 'UnknownTopicError';
  }
}

/** Options of {@link DlqTool.list}. */
export interface ListOptions {
  /** The dead-letter topic, or the original topic (`.dlq` is added). */
  readonly topic: string;
  readonly filter?: DlqFilter;
  /** Records to show. Default 20. */
  readonly sample?: number;
}

/** How far a replay has got. */
export interface ReplayProgress {
  readonly scanned: number;
  readonly republished: number;
}

/** Options of {@link DlqTool.replay}. */
export interface ReplayOptions extends ListOptions {
  /** Report what would be sent back; send nothing and record nothing. */
  readonly dryRun?: boolean;
  /** Send back at most this many records in this run. */
  readonly limit?: number;
  /** Called once with how many records the topic spans, before any progress. */
  readonly onStart?: (total: number) => void;
  /** Called after each batch. */
  readonly onProgress?: (progress: ReplayProgress) => void;
}

/** What a replay did. */
export interface ReplayResult {
  readonly dlqTopic: string;
  readonly dryRun: boolean;
  readonly scanned: number;
  /** Records the filter selected. */
  readonly matched: number;
  /** Of the matched: skipped as replayed by an earlier run (per the ledger). */
  readonly alreadyReplayed: number;
  /** Of the matched: without a `dlq-original-topic` header, so with nowhere to go. */
  readonly unreplayable: number;
  /** Of the matched: left for a later run by `limit`. */
  readonly overLimit: number;
  /** Sent back (with `dryRun`: would have been), by original topic. */
  readonly republished: number;
  readonly byTopic: Record<string, number>;
  /** The first records sent back (or that would be), at most `sample`. */
  readonly records: readonly DeadLetteredRecord[];
}

/**
 * Inspects and replays dead-letter topics (`<topic>.dlq`), without Nest. Reading never consumes on behalf of a
 * service (see {@link readTopicSnapshot}); a replay sends each selected record back to its original topic with
 * its original key and value ({@link replayMessage}) and then notes it in the topic's replay ledger
 * (`<dlq topic>.replayed`, see replay-ledger.ts), so a later run skips it. A run that dies between the two sends
 * a record again on the next run: the services' inboxes drop it as a duplicate (by `eventId`).
 */
export class DlqTool {
  private adminReady?: Promise<Admin>;
  private producerReady?: Promise<Producer>;

  constructor(
    private readonly kafka: Kafka,
    private readonly connection?: Pick<KafkaClientConfig, 'brokers' | 'security'>,
  ) {}

  /** A tool on a kafkajs client built from the services' Kafka settings (`loadKafkaClientConfig`). */
  static fromConfig(config: KafkaClientConfig): DlqTool {
    const kafka = new Kafka({
      clientId: config.clientId,
      brokers: config.brokers,
      ...kafkaConnectionOptions(config.security),
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
      // Errors reach the operator as thrown errors; kafkajs' own lines would break the progress bar.
      logLevel: logLevel.NOTHING,
    });
    return new DlqTool(kafka, config);
  }

  /** Counts and the oldest records of what the dead-letter topic holds. */
  async list(options: ListOptions): Promise<DlqSummary> {
    const dlqTopic = await this.existing(options.topic);
    const admin = await this.admin();
    const replayed = await readLedger(this.kafka, admin, dlqTopic);
    const summary = new DlqSummaryBuilder(dlqTopic, options.sample ?? 20);
    await readTopicSnapshot(this.kafka, admin, dlqTopic, async ({ partition, messages }) => {
      for (const message of messages) {
        const record = readDeadLetter(dlqTopic, partition, message);
        if (matchesFilter(record, options.filter ?? {}))
          summary.add(record, replayed.has(recordAddress(record)));
        else summary.skip();
      }
    });
    return summary.build();
  }

  /** Sends the selected records not yet replayed back to their original topics, a batch at a time. */
  async replay(options: ReplayOptions): Promise<ReplayResult> {
    const dlqTopic = await this.existing(options.topic);
    const admin = await this.admin();
    const dryRun = options.dryRun ?? false;
    const replayed = await readLedger(this.kafka, admin, dlqTopic);
    if (!dryRun) await ensureLedger(admin, dlqTopic);
    const sample = options.sample ?? 20;
    const limit = options.limit ?? Infinity;
    const counts = {
      scanned: 0,
      matched: 0,
      alreadyReplayed: 0,
      unreplayable: 0,
      overLimit: 0,
      republished: 0,
    };
    const byTopic: Record<string, number> = {};
    const records: DeadLetteredRecord[] = [];
    await readTopicSnapshot(
      this.kafka,
      admin,
      dlqTopic,
      async ({ partition, messages }) => {
        const chosen: DeadLetteredRecord[] = [];
        for (const message of messages) {
          counts.scanned++;
          const record = readDeadLetter(dlqTopic, partition, message);
          if (!matchesFilter(record, options.filter ?? {})) continue;
          counts.matched++;
          if (replayed.has(recordAddress(record))) counts.alreadyReplayed++;
          else if (record.originalTopic === undefined) counts.unreplayable++;
          else if (counts.republished + chosen.length >= limit) counts.overLimit++;
          else chosen.push(record);
        }
        if (chosen.length > 0 && !dryRun) await this.send(dlqTopic, chosen);
        for (const record of chosen) {
          const topic = record.originalTopic as string;
          byTopic[topic] = (byTopic[topic] ?? 0) + 1;
          if (records.length < sample) records.push(record);
        }
        counts.republished += chosen.length;
        options.onProgress?.({ scanned: counts.scanned, republished: counts.republished });
      },
      { onStart: options.onStart },
    );
    return { dlqTopic, dryRun, ...counts, byTopic, records };
  }

  /** Disconnects the clients the tool opened. */
  async close(): Promise<void> {
    const clients = await Promise.allSettled([this.producerReady, this.adminReady]);
    await Promise.allSettled(
      clients.map((result) => (result.status === 'fulfilled' ? result.value?.disconnect() : undefined)),
    );
  }

  /**
   * Sends one partition's batch back, each original topic in one request in offset order (so an entity's
   * events keep their order), then notes them in the ledger: only records the brokers accepted are noted.
   */
  private async send(dlqTopic: string, records: readonly DeadLetteredRecord[]): Promise<void> {
    const producer = await this.producer();
    const byTopic = new Map<string, DeadLetteredRecord[]>();
    for (const record of records) {
      const topic = record.originalTopic as string;
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), record]);
    }
    for (const [topic, group] of byTopic) {
      await producer.send({ topic, acks: -1, messages: group.map(replayMessage) });
    }
    await producer.send({ topic: ledgerTopic(dlqTopic), acks: -1, messages: ledgerMessages(records) });
  }

  /** The dead-letter topic of `topic`; {@link UnknownTopicError} when it does not exist. */
  private async existing(topic: string): Promise<string> {
    const dlqTopic = resolveDlqTopic(topic);
    const topics = await (await this.admin()).listTopics();
    if (!topics.includes(dlqTopic)) throw new UnknownTopicError(dlqTopic);
    return dlqTopic;
  }

  private admin(): Promise<Admin> {
    this.adminReady ??= this.connect(this.kafka.admin());
    return this.adminReady;
  }

  private producer(): Promise<Producer> {
    this.producerReady ??= this.connect(
      this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // The partitioner the services' producers use, so a key lands on the partition it did first.
        createPartitioner: Partitioners.DefaultPartitioner,
      }),
    );
    return this.producerReady;
  }

  private async connect<C extends Admin | Producer>(client: C): Promise<C> {
    try {
      await client.connect();
      return client;
    } catch (error) {
      const { connection } = this;
      throw connection ? explainKafkaError(error, connection.security, connection.brokers) : error;
    }
  }
}
