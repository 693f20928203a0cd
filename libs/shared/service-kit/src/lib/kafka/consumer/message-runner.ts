import type { IHeaders, Message } from 'kafkajs';
import { errorMessage } from '../../errors/error-message';
import { classifyFailure, errorCode, FailureKind } from './consumer-errors';
import type { ConsumerMetrics } from './consumer.metrics';

/** One consumed Kafka record, as the runner and the processors see it. */
export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the record (a decimal string, as Kafka's are 64-bit). */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  /** Broker timestamp in ms since the epoch, as a string. */
  readonly timestamp: string;
}

/**
 * Handles one record of a topic. Resolves `'handled'` or `'duplicate'` (already processed, by `eventId`);
 * rejects to have it retried or dead-lettered (see {@link classifyFailure}).
 */
export type MessageProcessor = (message: ConsumedMessage) => Promise<'handled' | 'duplicate'>;

/** Retries of a failing handler. */
export interface RetryPolicy {
  /** Attempts of an ordinary failure before the dead-letter topic (transient failures retry forever). */
  readonly maxAttempts: number;
  /** First backoff, doubled on every further attempt. */
  readonly initialMs: number;
  /** Longest backoff. */
  readonly maxMs: number;
}

/**
 * Publishes dead-letter records to one topic in one request (the consumer's idempotent producer in
 * production).
 */
export type DeadLetterPublisher = (topic: string, messages: readonly Message[]) => Promise<void>;

/** A record bound for the dead-letter topic, with why and after how many attempts. */
export interface DeadLetter {
  readonly message: ConsumedMessage;
  readonly error: unknown;
  readonly attempts: number;
}

/** What the runner needs from the loop that feeds it (kafkajs' eachBatch in production, a fake in tests). */
export interface RunContext {
  /** Keeps the group membership alive during long retries. */
  heartbeat(): Promise<void>;
  /** Aborted when the consumer is stopping or lost the partition: abandon the message uncommitted. */
  readonly signal: AbortSignal;
}

/** Suffix of dead-letter topics: `<topic>.dlq`. */
export const DLQ_SUFFIX = '.dlq';

/** The dead-letter topic of `topic`. */
export const deadLetterTopic = (topic: string): string => `${topic}${DLQ_SUFFIX}`;

/** Header names added to dead-letter records (the original headers are kept as they were). */
export const DLQ_HEADERS = {
  topic: 'dlq-original-topic',
  partition: 'dlq-original-partition',
  offset: 'dlq-original-offset',
  timestamp: 'dlq-original-timestamp',
  group: 'dlq-consumer-group',
  errorCode: 'dlq-error-code',
  error: 'dlq-error',
  attempts: 'dlq-attempts',
  failedAt: 'dlq-failed-at',
} as const;

/**
 * Header of a record the DLQ tool (`npm run dlq -- replay`) sent back to its original topic: the dead-letter
 * record it came from, as `<dlq topic>/<partition>/<offset>`. The `dlq-*` headers above are removed from it.
 */
export const DLQ_REPLAYED_FROM_HEADER = 'dlq-replayed-from';

/**
 * Exponential backoff with "equal jitter": attempt 1 waits about `initialMs`, each further attempt twice as
 * long up to `maxMs`, and a random half of each delay spreads retries of many consumers apart.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The dead-letter record of `message`: same key and value, original headers plus where and why it failed. */
export function deadLetterRecord(
  message: ConsumedMessage,
  error: unknown,
  attempts: number,
  groupId: string,
  now: Date = new Date(),
): Message {
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      [DLQ_HEADERS.topic]: message.topic,
      [DLQ_HEADERS.partition]: String(message.partition),
      [DLQ_HEADERS.offset]: message.offset,
      [DLQ_HEADERS.timestamp]: message.timestamp,
      [DLQ_HEADERS.group]: groupId,
      [DLQ_HEADERS.errorCode]: errorCode(error),
      // Bounded: a header is not the place for a stack trace or a huge message.
      [DLQ_HEADERS.error]: errorMessage(error).slice(0, 1000),
      [DLQ_HEADERS.attempts]: String(attempts),
      [DLQ_HEADERS.failedAt]: now.toISOString(),
    },
  };
}

/** The logger the runner writes to (Nest's `Logger` fits). */
export interface RunnerLogger {
  log(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Options of {@link MessageRunner}. */
export interface MessageRunnerOptions {
  readonly processors: ReadonlyMap<string, MessageProcessor>;
  readonly retry: RetryPolicy;
  readonly publishDeadLetter: DeadLetterPublisher;
  readonly groupId: string;
  readonly metrics?: ConsumerMetrics;
  readonly logger: RunnerLogger;
  /** For tests: the source of jitter. */
  readonly random?: () => number;
}

/**
 * The per-message policy of the consumer, without Kafka: run the topic's processor; on success the offset
 * may be committed; a poison message goes to `<topic>.dlq` at once; an ordinary failure is retried with
 * backoff up to `maxAttempts`, then dead-lettered; a transient failure (Redis down) is retried with capped
 * backoff until it succeeds or the consumer stops. While waiting it keeps sending heartbeats.
 */
export class MessageRunner {
  constructor(private readonly options: MessageRunnerOptions) {}

  /**
   * Runs `message` to completion. Resolves `true` when its offset may be committed (handled, duplicate or
   * dead-lettered), `false` when `context.signal` aborted first (leave it uncommitted: it is redelivered).
   */
  async run(message: ConsumedMessage, context: RunContext): Promise<boolean> {
    const { processors, retry, metrics, logger } = this.options;
    const processor = processors.get(message.topic);
    const where = { topic: message.topic, partition: message.partition, offset: message.offset };
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      try {
        if (processor === undefined) throw new Error(`No processor registered for ${message.topic}`);
        const outcome = await processor(message);
        metrics?.consumed(message.topic, outcome);
        if (attempt > 1) logger.log({ ...where, attempts: attempt }, 'Message handled after retries');
        return true;
      } catch (error) {
        failure = error;
      }
      const kind: FailureKind = classifyFailure(failure);
      const fields = { ...where, attempt, kind, code: errorCode(failure), err: errorMessage(failure) };
      if (kind === 'poison' || (kind === 'failed' && attempt >= retry.maxAttempts)) {
        logger.warn(fields, 'Sending message to the dead-letter topic');
        return this.deadLetter([{ message, error: failure, attempts: attempt }], context);
      }
      if (context.signal.aborted) return false;
      // Transient failures are logged on the first attempt and then every tenth, not on every retry.
      if (kind === 'failed' || attempt === 1 || attempt % 10 === 0) {
        logger.warn(
          fields,
          kind === 'transient' ? 'Dependency unavailable, retrying' : 'Handler failed, retrying',
        );
      }
      metrics?.consumed(message.topic, 'retry');
      if (!(await this.backoff(attempt, context))) return false;
    }
  }

  /**
   * Publishes the dead-letter records of one topic in one request, retrying (as a transient failure) until
   * they are accepted or we stop; true once accepted.
   */
  async deadLetter(letters: readonly DeadLetter[], context: RunContext): Promise<boolean> {
    if (letters.length === 0) return true;
    const topic = letters[0].message.topic;
    const records = letters.map(({ message, error, attempts }) =>
      deadLetterRecord(message, error, attempts, this.options.groupId),
    );
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.publishDeadLetter(deadLetterTopic(topic), records);
        for (let i = 0; i < letters.length; i++) this.options.metrics?.consumed(topic, 'dlq');
        return true;
      } catch (publishError) {
        if (context.signal.aborted) return false;
        if (attempt === 1 || attempt % 10 === 0) {
          this.options.logger.error(
            { topic, offset: letters[0].message.offset, attempt, err: errorMessage(publishError) },
            'Dead-letter publish failed, retrying',
          );
        }
        if (!(await this.backoff(attempt, context))) return false;
      }
    }
  }

  /** Waits the backoff of `attempt`, heartbeating; false when aborted first. */
  backoff(attempt: number, context: RunContext): Promise<boolean> {
    return this.wait(backoffDelay(attempt, this.options.retry, this.options.random), context);
  }

  /** Sleeps `ms` in slices of at most 1 s with a heartbeat after each; false when aborted. */
  private async wait(ms: number, context: RunContext): Promise<boolean> {
    const until = Date.now() + ms;
    while (!context.signal.aborted) {
      const left = until - Date.now();
      if (left <= 0) return true;
      await sleep(Math.min(left, 1000), context.signal);
      if (!context.signal.aborted) await context.heartbeat();
    }
    return false;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
