import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { ServiceConfig } from '@platform/config';
import type { EventEnvelope, Topic } from '@platform/contracts';
import type { z } from 'zod';
import { InvalidationApplier, type TopicEvent } from '../../invalidation/invalidation-applier.service';
import { SERVICE_CONFIG } from '../../service-kit.constants';
import { EventHandlerFn, EventIntake } from '../event-intake';
import { KafkaService } from '../kafka.service';
import type { BatchProcessor } from './batch-runner';
import { coalesce } from './coalesce';
import { CONSUME_EVENT_METADATA, ConsumeEventMetadata } from './consume-event.decorator';
import { errorMessage } from '../../errors/error-message';
import { errorCode } from './consumer-errors';
import { CONSUMER_METRICS } from './consumer-metrics.provider';
import type { ConsumerMetrics } from './consumer.metrics';
import { EventConsumer } from './event-consumer';
import { deadLetterTopic, MessageProcessor } from './message-runner';

/** One discovered `@ConsumeEvent` method. */
export interface DiscoveredEventHandler {
  readonly topic: Topic;
  readonly schema: z.ZodType<EventEnvelope>;
  /** `Class.method`, for logs and errors. */
  readonly name: string;
  readonly handle: EventHandlerFn<EventEnvelope>;
}

/**
 * The Nest face of {@link EventConsumer}, the one generic consumer of a service: for each consumed topic it
 * applies the service's invalidation map (through {@link InvalidationApplier}, one merged invalidation per
 * fetched batch) and then runs the `@ConsumeEvent` methods, where an event also does domain work, with the
 * batch's events in order. A batch goes through {@link EventIntake.processBatch} (validate, dedupe by
 * `eventId` in one query, handle, record in one statement) and is committed only then. `startServiceApp` starts it after the topics exist; it stops before the application
 * shuts down its connections (`beforeApplicationShutdown`), after readiness has turned red.
 */
@Injectable()
export class EventConsumerService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventConsumerService.name);
  private lastDeferredLog = 0;
  private consumer?: EventConsumer;
  /**
   * The batches of the partitions handled at once are evicted together, in one invalidation (one L2
   * round trip, one bus message). Evictions commute, and each batch still waits for its own to be done
   * before its handlers run and its offset is committed.
   */
  private readonly applyTogether = coalesce(async (lists: readonly (readonly TopicEvent[])[]) => {
    await this.applier.apply(lists.flat());
    return lists.map(() => undefined);
  });

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly kafka: KafkaService,
    private readonly intake: EventIntake,
    private readonly applier: InvalidationApplier,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(CONSUMER_METRICS) readonly metrics: ConsumerMetrics,
  ) {}

  /** Every `@ConsumeEvent` method of the application, in discovery order. */
  discoverHandlers(): DiscoveredEventHandler[] {
    const found: DiscoveredEventHandler[] = [];
    for (const wrapper of [...this.discovery.getControllers(), ...this.discovery.getProviders()]) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object | null;
      if (!prototype) continue;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = instance[method];
        if (typeof fn !== 'function') continue;
        const meta = this.reflector.get<ConsumeEventMetadata | undefined>(CONSUME_EVENT_METADATA, fn);
        if (!meta) continue;
        found.push({
          topic: meta.topic,
          schema: meta.schema,
          name: `${instance.constructor.name}.${method}`,
          handle: (event) => (fn as (event: EventEnvelope) => Promise<void> | void).call(instance, event),
        });
      }
    }
    return found;
  }

  /**
   * Starts consuming `topics` (the service spec's `kafka.consumes`). Fails at boot when a topic has neither
   * an invalidation map entry nor a handler, when a handler's topic is not listed, or when one topic's map
   * entry and handlers disagree on the schema.
   */
  async start(topics: readonly Topic[]): Promise<void> {
    if (this.consumer) throw new Error('EventConsumerService: already started');
    const handlers = this.discoverHandlers();
    const problems: string[] = [];
    for (const handler of handlers) {
      if (!topics.includes(handler.topic)) {
        problems.push(`${handler.name} handles ${handler.topic}, which the service spec does not consume`);
      }
    }
    const processors = new Map<string, MessageProcessor>();
    const batchProcessors = new Map<string, BatchProcessor>();
    for (const topic of topics) {
      const entry = this.applier.entry(topic);
      const own = handlers.filter((handler) => handler.topic === topic);
      if (entry === undefined && own.length === 0) {
        problems.push(`no invalidation map entry or @ConsumeEvent handler for ${topic}`);
        continue;
      }
      const schema = entry?.schema ?? own[0].schema;
      if (own.some((handler) => handler.schema !== schema)) {
        const names = [...(entry ? ['the invalidation map'] : []), ...own.map((h) => h.name)];
        problems.push(`${names.join(', ')} use different schemas for ${topic}`);
      }
      const fns = own.map((handler) => handler.handle);
      const handle = async (events: readonly EventEnvelope[]): Promise<void> => {
        if (entry) await this.invalidate(topic, events);
        for (const event of events) for (const fn of fns) await fn(event);
      };
      batchProcessors.set(topic, (messages) =>
        this.intake.processBatch(
          topic,
          schema,
          messages.map((message) => message.value),
          handle,
        ),
      );
      processors.set(topic, (message) =>
        this.intake.process(topic, schema, message.value, [(event) => handle([event])]),
      );
    }
    if (problems.length > 0) throw new Error(`Kafka consumer misconfigured: ${problems.join('; ')}`);
    if (processors.size === 0) return;

    const { consumer: settings, kafka } = this.config;
    this.consumer = new EventConsumer({
      kafka: this.kafka.kafka,
      groupId: kafka.groupId,
      processors,
      batchProcessors,
      retry: {
        maxAttempts: settings.maxAttempts,
        initialMs: settings.retryInitialMs,
        maxMs: settings.retryMaxMs,
      },
      producer: () => this.kafka.producer(),
      metrics: this.metrics,
      partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
      logger: this.logger,
    });
    await this.consumer.start();
    this.logger.log({ topics, groupId: kafka.groupId }, 'Kafka consumer started');
  }

  /**
   * Applies the invalidation map to `events`. When only L2 failed (`E_L2_UNAVAILABLE`: Redis down, slow or
   * failing over), the cache has already dropped the entries from this instance's L1, told the other
   * instances (which keep those keys off their L2 reads), and retries the L2 deletion itself until it lands
   * (see `unsettled-invalidations.ts` in the cache). So the events count as applied: holding the partition
   * until Redis answers again would leave every later event of it unapplied, and the stale bound broken, for
   * as long as Redis is out. What is given up: if this instance dies before the cache's retry lands, an old
   * L2 copy may live until its TTL. Counted as `events_consumed_total{outcome="l2_deferred"}`.
   */
  private async invalidate(topic: string, events: readonly EventEnvelope[]): Promise<void> {
    try {
      await this.applyTogether(events.map((event) => ({ topic, event })));
    } catch (error) {
      if (errorCode(error) !== 'E_L2_UNAVAILABLE') throw error;
      this.metrics.consumed(topic, 'l2_deferred', events.length);
      const now = Date.now();
      if (now - this.lastDeferredLog >= 10_000) {
        this.lastDeferredLog = now;
        this.logger.warn(
          { topic, events: events.length, err: errorMessage(error) },
          'L2 eviction failed; the cache retries it and keeps the keys off L2 reads meanwhile',
        );
      }
    }
  }

  /** Resolves once the group has assigned partitions (the first time); immediately if nothing is consumed. */
  async joined(): Promise<void> {
    await this.consumer?.joined();
  }

  /** Whether the consumer is running. */
  get running(): boolean {
    return this.consumer !== undefined;
  }

  /**
   * Stops consuming: the in-flight batch finishes and is committed, then the consumer leaves its group.
   * The topics of the last {@link start} can be consumed again with `start()`.
   */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) await consumer.stop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }
}

/** The dead-letter topics of the given topics (`<topic>.dlq`), for `ensureTopics`. */
export const deadLetterTopics = (topics: readonly string[]): string[] => topics.map(deadLetterTopic);
