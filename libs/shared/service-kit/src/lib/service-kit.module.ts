import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE, DiscoveryModule } from '@nestjs/core';
import { UndecodableRequestGuard } from './grpc/undecodable-request';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CacheModule, VarnishPurger } from '@platform/cache/nest';
import type { ServiceConfig } from '@platform/config';
import { LoggerModule } from 'nestjs-pino';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import {
  dataSourceOptions,
  DatabaseSpec,
  initializeDataSource,
  isRetryableDatabaseError,
  InboxService,
  OutboxService,
  ProcessedEvent,
  QueryCounter,
} from '@platform/database';
import { dbQueryMetricsProvider } from './database/db-metrics.provider';
import { authProviders, ServiceCredentials } from './auth/auth.providers';
import { AppExceptionFilter } from './filters/app-exception.filter';
import { DependencyHealthIndicators, HealthController, LifecycleService } from './health';
import {
  CONSUMER_METRICS,
  ConsumerInbox,
  consumerMetricsProvider,
  EventConsumerService,
  EventIntake,
  KafkaService,
  OutboxRelayService,
} from './kafka';
import { CommitInvalidationService, InvalidationApplier } from './invalidation';
import { loggerOptions } from './logging/logger-options';
import { createValidationPipe } from './pipes/validation.pipe';
import { redisConnectionOptions, redisProviders } from './redis/redis.providers';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { rateLimitProviders } from './rate-limit/rate-limit.providers';
import { REDIS_CLUSTER_CONNECTION, REDIS_CONNECTION, SERVICE_CONFIG } from './service-kit.constants';

/** What {@link ServiceKitModule.forRoot} needs: the validated config and the service's database spec. */
export interface ServiceKitOptions {
  config: ServiceConfig;
  database: DatabaseSpec;
  /** gRPC methods that need `<service>:read` (the rest need `:write`); see `ServiceSpec.grpc.readMethods`. */
  grpcReadMethods?: readonly string[];
}

/**
 * Everything a service shares with the others: config, JSON logging, TypeORM on its own schema,
 * Redis connections, Kafka producer/admin, health endpoints, edge validation and error mapping.
 * Global, so feature modules inject `SERVICE_CONFIG`, `OutboxService`, `InboxService` directly; the
 * `OutboxRelayService` publishes what use cases queue in the outbox.
 */
@Global()
@Module({})
export class ServiceKitModule {
  static forRoot({ config, database, grpcReadMethods }: ServiceKitOptions): DynamicModule {
    const entities = [...(Array.isArray(database.entities) ? database.entities : []), ProcessedEvent];
    const queries = new QueryCounter();
    return {
      module: ServiceKitModule,
      imports: [
        // The app's logger only: requests are logged by `installRequestLogging` (Fastify hooks or an Express
        // middleware), not by nestjs-pino's Nest middleware, which on Fastify ran through `@fastify/middie`.
        LoggerModule.forRoot({ ...loggerOptions(config), forRoutes: [] }),
        // A refused password or certificate fails boot at once, naming Postgres; an outage is retried.
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...dataSourceOptions(config, { ...database, entities }, { queries }),
            toRetry: isRetryableDatabaseError,
          }),
          dataSourceFactory: (options) => initializeDataSource(options as PostgresConnectionOptions),
        }),
        TerminusModule.forRoot({ errorLogStyle: 'json', gracefulShutdownTimeoutMs: 0 }),
        DiscoveryModule,
        // The service's cache (global: CACHE_INSTANCE, CacheInvalidator, CACHE_METRICS_REGISTRY, /metrics).
        // Its own Redis client, so a slow cache command never queues behind the service's other Redis work.
        CacheModule.forRoot({
          isGlobal: true,
          service: config.name,
          enabled: config.cache.enabled,
          prefix: config.cache.prefix,
          redis: redisConnectionOptions(config, config.cache.l2),
          // Below the service's published stale bound: L1 is not served while the bus cannot confirm it.
          bus: { liveness: config.cache.busLivenessMs },
          edge: {
            purger:
              config.edge.varnishUrls.length > 0
                ? new VarnishPurger({ urls: config.edge.varnishUrls })
                : null,
          },
        }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: QueryCounter, useValue: queries },
        dbQueryMetricsProvider,
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AppExceptionFilter },
        ...redisProviders,
        KafkaService,
        OutboxService,
        OutboxRelayService,
        EventIntake,
        ConsumerInbox,
        InboxService,
        LifecycleService,
        DependencyHealthIndicators,
        consumerMetricsProvider,
        EventConsumerService,
        InvalidationApplier,
        CommitInvalidationService,
        // Before auth: a request that is not a message of its type is refused whoever sent it.
        { provide: APP_GUARD, useClass: UndecodableRequestGuard },
        ...authProviders(grpcReadMethods),
        // After the auth guard: the limit is per verified caller when auth is on.
        ...rateLimitProviders,
        { provide: APP_GUARD, useClass: RateLimitGuard },
      ],
      exports: [
        ServiceCredentials,
        SERVICE_CONFIG,
        REDIS_CONNECTION,
        REDIS_CLUSTER_CONNECTION,
        KafkaService,
        OutboxService,
        OutboxRelayService,
        EventIntake,
        InboxService,
        LifecycleService,
        CONSUMER_METRICS,
        EventConsumerService,
        InvalidationApplier,
      ],
    };
  }
}
