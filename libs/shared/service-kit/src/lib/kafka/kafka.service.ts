import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ServiceConfig } from '@platform/config';
import { Admin, Kafka, Partitioners, Producer } from 'kafkajs';
import { SERVICE_CONFIG } from '../service-kit.constants';
import { explainKafkaError, KafkaAuthenticationError, kafkaConnectionOptions } from './kafka-connection';
import { kafkaLogCreator, kafkaLogLevel } from './kafka-log';

/**
 * The service's Kafka client: an idempotent producer and an admin client, each connected on first use
 * and reconnected after a failure. Consumption is the EventConsumerService's (see consumer/). TLS and SASL
 * come from `config.kafka.security` ({@link kafkaConnectionOptions}); refused credentials stop the boot with
 * a {@link KafkaAuthenticationError} naming the user.
 */
@Injectable()
export class KafkaService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KafkaService.name);
  readonly kafka: Kafka;
  private producerReady?: Promise<Producer>;
  private adminReady?: Promise<Admin>;

  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {
    this.kafka = new Kafka({
      clientId: config.kafka.clientId,
      brokers: config.kafka.brokers,
      ...kafkaConnectionOptions(config.kafka.security),
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
      logLevel: kafkaLogLevel(config.log.level),
      logCreator: kafkaLogCreator,
    });
  }

  /** The connected idempotent producer (one partition order per message key). */
  producer(): Promise<Producer> {
    this.producerReady ??= this.connect(this.createProducer()).catch((error) => {
      this.producerReady = undefined;
      throw error;
    });
    return this.producerReady;
  }

  /**
   * A new, unconnected idempotent producer with the same settings as {@link producer}, for a client that
   * must own its producer's lifecycle (the outbox relay replaces its producer after a failure, so a
   * producer whose sequence numbers the broker no longer accepts never blocks the outbox).
   */
  createProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** The connected admin client. */
  admin(): Promise<Admin> {
    this.adminReady ??= this.connect(this.kafka.admin()).catch((error) => {
      this.adminReady = undefined;
      throw error;
    });
    return this.adminReady;
  }

  /** Creates the topics that do not exist yet (broker defaults for partitions and replication). */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    const admin = await this.admin();
    const existing = new Set(await admin.listTopics());
    // A service may list a topic twice (it consumes what it produces); Kafka rejects duplicates.
    const missing = [...new Set(topics)].filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic })) });
    this.logger.log({ topics: missing }, 'Created Kafka topics');
  }

  /**
   * With SASL configured, proves the credentials before the service takes traffic (the topics check does
   * too when it runs): refused credentials fail the boot with a {@link KafkaAuthenticationError}. A broker
   * that cannot be reached is only logged here; the consumer's start decides about that as it always has.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.kafka.security.sasl) return;
    try {
      await this.admin();
    } catch (error) {
      if (error instanceof KafkaAuthenticationError) throw error;
      this.logger.warn({ err: String(error) }, 'Kafka not reachable at boot to check the SASL credentials');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const clients = await Promise.allSettled([this.producerReady, this.adminReady]);
    await Promise.allSettled(
      clients.map((result) =>
        result.status === 'fulfilled' && result.value ? result.value.disconnect() : Promise.resolve(),
      ),
    );
  }

  private async connect<C extends Producer | Admin>(client: C): Promise<C> {
    try {
      await client.connect();
    } catch (error) {
      throw explainKafkaError(error, this.config.kafka.security, this.config.kafka.brokers);
    }
    return client;
  }
}
