import { errorMessage } from '../../errors/error-message';
import { classifyFailure, errorCode } from './consumer-errors';
import type { ConsumerMetrics } from './consumer.metrics';
import type { ConsumedMessage, DeadLetter, MessageRunner, RunContext, RunnerLogger } from './message-runner';

/** What became of one record of a batch: handled, a duplicate (by `eventId`), or poison (dead-letter it). */
export type BatchOutcome = 'handled' | 'duplicate' | { readonly poison: unknown };

/**
 * Handles the records of one partition's batch at once; resolves one {@link BatchOutcome} per record, in
 * order. Rejects when the batch as a whole could not be handled (nothing of it may be committed).
 */
export type BatchProcessor = (messages: readonly ConsumedMessage[]) => Promise<BatchOutcome[]>;

/** Options of {@link BatchRunner}. */
export interface BatchRunnerOptions {
  /** Topics handled a batch at once; the others go record by record through `runner`. */
  readonly processors: ReadonlyMap<string, BatchProcessor>;
  /** The per-record policy: dead-letter publishing, backoff, and the record-by-record fallback. */
  readonly runner: MessageRunner;
  readonly metrics?: ConsumerMetrics;
  readonly logger: RunnerLogger;
}

/**
 * The per-batch policy of the consumer, without Kafka: the batch's processor handles every record at once;
 * its poison records go to `<topic>.dlq` in one request while the rest are applied; a transient failure
 * (Redis or Postgres down) retries the whole batch with backoff, committing nothing meanwhile; any other
 * failure falls back to handling the batch record by record ({@link MessageRunner}: bounded retries, then
 * the dead-letter topic), so one bad record costs the others nothing but speed.
 */
export class BatchRunner {
  constructor(private readonly options: BatchRunnerOptions) {}

  /**
   * Runs `messages` (one partition's, in offset order), calling `commit(n)` whenever the first `n` of them
   * may be committed: once for the whole batch, or after each record when handled one by one. Stops early
   * when `context.signal` aborts (the rest stay uncommitted and are redelivered).
   */
  async run(
    messages: readonly ConsumedMessage[],
    context: RunContext,
    commit: (count: number) => Promise<void>,
  ): Promise<void> {
    if (messages.length === 0) return;
    const { processors, runner, metrics, logger } = this.options;
    const topic = messages[0].topic;
    const processor = processors.get(topic);
    if (processor === undefined) return this.oneByOne(messages, context, commit);
    const where = {
      topic,
      partition: messages[0].partition,
      from: messages[0].offset,
      size: messages.length,
    };
    for (let attempt = 1; ; attempt++) {
      let outcomes: BatchOutcome[];
      try {
        outcomes = await processor(messages);
      } catch (error) {
        const fields = { ...where, attempt, code: errorCode(error), err: errorMessage(error) };
        if (classifyFailure(error) !== 'transient') {
          logger.warn(fields, 'Batch failed, handling its records one by one');
          return this.oneByOne(messages, context, commit);
        }
        if (context.signal.aborted) return;
        if (attempt === 1 || attempt % 10 === 0)
          logger.warn(fields, 'Dependency unavailable, retrying batch');
        metrics?.consumed(topic, 'retry');
        if (!(await runner.backoff(attempt, context))) return;
        continue;
      }
      const letters: DeadLetter[] = [];
      outcomes.forEach((outcome, i) => {
        if (typeof outcome === 'string') metrics?.consumed(topic, outcome);
        else letters.push({ message: messages[i], error: outcome.poison, attempts: 1 });
      });
      if (letters.length > 0) {
        logger.warn(
          { ...where, offsets: letters.map((l) => l.message.offset), code: errorCode(letters[0].error) },
          'Sending poison records to the dead-letter topic',
        );
        if (!(await runner.deadLetter(letters, context))) return;
      }
      if (attempt > 1) logger.log({ ...where, attempts: attempt }, 'Batch handled after retries');
      return commit(messages.length);
    }
  }

  private async oneByOne(
    messages: readonly ConsumedMessage[],
    context: RunContext,
    commit: (count: number) => Promise<void>,
  ): Promise<void> {
    for (let i = 0; i < messages.length; i++) {
      if (context.signal.aborted || !(await this.options.runner.run(messages[i], context))) return;
      await commit(i + 1);
    }
  }
}
