import { BeforeApplicationShutdown, Inject, Injectable, Logger, type Provider } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { CACHE_METRICS_REGISTRY } from '@platform/cache/nest';
import type { ServiceConfig } from '@platform/config';
import type { EventEnvelope, Topic } from '@platform/contracts';
import { Registry } from 'prom-client';
import type { z } from 'zod';
import { SERVICE_CONFIG } from '../../service-kit.constants';
import { EventHandlerFn, EventIntake } from '../event-intake';
import { KafkaService } from '../kafka.service';
import { CONSUME_EVENT_METADATA, ConsumeEventMetadata } from './consume-event.decorator';
import { ConsumerMetrics } from './consumer.metrics';
import { EventConsumer } from './event-consumer';
import { deadLetterTopic, MessageProcessor } from './message-runner';

/** Injection token of the service's {@link ConsumerMetrics}. */
export const CONSUMER_METRICS = Symbol('service-kit:consumer-metrics');

/**
 * Provides {@link ConsumerMetrics} on the registry served at `/metrics` (`CACHE_METRICS_REGISTRY` of the
 * cache module), or on a registry of its own when the cache module is not there.
 */
export const consumerMetricsProvider: Provider = {
  provide: CONSUMER_METRICS,
  inject: [{ token: CACHE_METRICS_REGISTRY, optional: true }],
  useFactory: (registry?: Registry | null) => new ConsumerMetrics(registry ?? new Registry()),
};

/** One discovered `@ConsumeEvent` method. */
export interface DiscoveredEventHandler {
  readonly topic: Topic;
  readonly schema: z.ZodType<EventEnvelope>;
  /** `Class.method`, for logs and errors. */
  readonly name: string;
  readonly handle: EventHandlerFn<EventEnvelope>;
}

/**
 * The Nest face of {@link EventConsumer}: finds the `@ConsumeEvent` methods of every provider and controller,
 * runs each record through {@link EventIntake.process} (validate, dedupe by `eventId`, handle, record) and
 * commits it only then. `startServiceApp` starts it after the topics exist; it stops before the application
 * shuts down its connections (`beforeApplicationShutdown`), after readiness has turned red.
 */
@Injectable()
export class EventConsumerService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventConsumerService.name);
  private consumer?: EventConsumer;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly kafka: KafkaService,
    private readonly intake: EventIntake,
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
   * Starts consuming `topics` (the service spec's `kafka.consumes`). Fails at boot when a topic has no
   * handler, when a handler's topic is not listed, or when one topic's handlers disagree on the schema.
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
    for (const topic of topics) {
      const own = handlers.filter((handler) => handler.topic === topic);
      if (own.length === 0) {
        problems.push(`no @ConsumeEvent handler for ${topic}`);
        continue;
      }
      const schema = own[0].schema;
      if (own.some((handler) => handler.schema !== schema)) {
        problems.push(`the handlers of ${topic} use different schemas: ${own.map((h) => h.name).join(', ')}`);
      }
      const fns = own.map((handler) => handler.handle);
      processors.set(topic, (message) => this.intake.process(topic, schema, message.value, fns));
    }
    if (problems.length > 0) throw new Error(`Kafka consumer misconfigured: ${problems.join('; ')}`);
    if (processors.size === 0) return;

    const { consumer: settings, kafka } = this.config;
    this.consumer = new EventConsumer({
      kafka: this.kafka.kafka,
      groupId: kafka.groupId,
      processors,
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

  /** Resolves once the group has assigned partitions (the first time); immediately if nothing is consumed. */
  async joined(): Promise<void> {
    await this.consumer?.joined();
  }

  /** Whether the consumer is running. */
  get running(): boolean {
    return this.consumer !== undefined;
  }

  /**
   * Stops consuming: the in-flight record finishes and is committed, then the consumer leaves its group.
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
