import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { ServiceConfig } from '@platform/config';
import { SERVICE_CONFIG } from '../service-kit.constants';

/**
 * Knows when the service has finished starting, and when it has started to shut down. Readiness turns red at once, and the servers keep
 * serving for `SHUTDOWN_DRAIN_DELAY_MS` so that load balancers (and Kubernetes endpoints) stop sending
 * traffic before connections close; only then does Nest close HTTP, gRPC and the Kafka consumer.
 * It runs in `onModuleDestroy`, the first hook Nest calls on shutdown, so no other shutdown hook (such
 * as terminus' own) can change readiness before the drain has begun.
 */
@Injectable()
export class LifecycleService implements OnModuleDestroy {
  private readonly logger = new Logger(LifecycleService.name);
  private draining = false;
  private started = false;

  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  /** True once HTTP, gRPC and the Kafka consumer have all started. */
  get isStarted(): boolean {
    return this.started;
  }

  /** Called by the bootstrap when every server and the consumer run: readiness may turn green. */
  markStarted(): void {
    this.started = true;
  }

  /** True once shutdown has begun. */
  get isShuttingDown(): boolean {
    return this.draining;
  }

  async onModuleDestroy(): Promise<void> {
    this.draining = true;
    const delay = this.config.shutdownDrainDelayMs;
    if (delay > 0) {
      this.logger.log({ delayMs: delay }, 'Draining: readiness is red, still serving');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
