import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { CACHE_METRICS_REGISTRY } from '@platform/cache/nest';
import type { ServiceConfig } from '@platform/config';
import { OutboxService, pgSslOptions } from '@platform/database';
import type { Registry } from 'prom-client';
import { SERVICE_CONFIG } from '../service-kit.constants';
import { KafkaService } from './kafka.service';
import { OutboxRelay } from './outbox-relay';
import { OutboxWakeup } from './outbox-wakeup';

/**
 * Runs the service's {@link OutboxRelay} with the app: started once the app is bootstrapped, stopped
 * before the servers close (after the readiness drain), so the events of the last requests still go out.
 * The relay owns an idempotent producer of its own, made by {@link KafkaService.createProducer}. Disabled with `OUTBOX_RELAY_ENABLED=false` (rows then wait for a relay
 * of another instance). Metrics go to the registry served at `/metrics` when the cache module provides
 * one, else to a private registry ({@link OutboxRelayService.registry}).
 *
 * Each commit that queued events wakes the relay that leads through {@link OutboxWakeup} (this instance's
 * in process, another's with a `NOTIFY` after the commit) instead of the outbox table's trigger, whose
 * `NOTIFY` made notifying commits wait for one another.
 */
@Injectable()
export class OutboxRelayService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  /** The relay of this service's schema. */
  readonly relay: OutboxRelay;
  /** Wakes the leading relay after this instance's commits. */
  readonly wakeup: OutboxWakeup;
  private stopWaking?: () => void;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    kafka: KafkaService,
    private readonly outbox: OutboxService,
    @Optional() @Inject(CACHE_METRICS_REGISTRY) registry?: Registry,
  ) {
    this.relay = new OutboxRelay({
      connectionString: config.database.url,
      ssl: pgSslOptions(config.database.ssl),
      schema: config.database.schema,
      createProducer: () => kafka.createProducer(),
      batchSize: config.outbox.batchSize,
      pollIntervalMs: config.outbox.pollIntervalMs,
      minReadIntervalMs: config.outbox.minReadIntervalMs,
      retentionMs: config.outbox.retentionMs,
      maxBackoffMs: config.outbox.maxBackoffMs,
      registry,
      logger: new Logger(OutboxRelay.name),
      applicationName: `${config.name}-outbox-relay`,
    });
    this.wakeup = new OutboxWakeup({
      connectionString: config.database.url,
      ssl: pgSslOptions(config.database.ssl),
      schema: config.database.schema,
      relay: config.outbox.relayEnabled ? this.relay : undefined,
      applicationName: `${config.name}-outbox-wakeup`,
      logger: new Logger(OutboxWakeup.name),
    });
  }

  onModuleInit(): void {
    this.stopWaking = this.outbox.onCommit(this.wakeup.onCommit, { wakesRelay: true });
  }

  /** Where the relay's metrics are registered. */
  get registry(): Registry {
    return this.relay.registry;
  }

  onApplicationBootstrap(): void {
    if (this.config.outbox.relayEnabled) this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    // Later commits (none once the servers drained) notify through the table's trigger again.
    this.stopWaking?.();
    await this.wakeup.close();
  }
}
