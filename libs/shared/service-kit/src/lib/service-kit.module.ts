import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { ServiceConfig } from '@platform/config';
import { LoggerModule } from 'nestjs-pino';
import { dataSourceOptions, DatabaseSpec, InboxService, ProcessedEvent } from '@platform/database';
import { AppExceptionFilter } from './filters/app-exception.filter';
import { DependencyHealthIndicators, HealthController, LifecycleService } from './health';
import { EventIntake, EventPublisher, KafkaService } from './kafka';
import { loggerOptions } from './logging/logger-options';
import { createValidationPipe } from './pipes/validation.pipe';
import { redisProviders } from './redis/redis.providers';
import { REDIS_CLUSTER_CONNECTION, REDIS_CONNECTION, SERVICE_CONFIG } from './service-kit.constants';

/** What {@link ServiceKitModule.forRoot} needs: the validated config and the service's database spec. */
export interface ServiceKitOptions {
  config: ServiceConfig;
  database: DatabaseSpec;
}

/**
 * Everything a service shares with the others: config, JSON logging, TypeORM on its own schema,
 * Redis connections, Kafka producer/admin, health endpoints, edge validation and error mapping.
 * Global, so feature modules inject `SERVICE_CONFIG`, `EventPublisher`, `InboxService` directly.
 */
@Global()
@Module({})
export class ServiceKitModule {
  static forRoot({ config, database }: ServiceKitOptions): DynamicModule {
    const entities = [...(Array.isArray(database.entities) ? database.entities : []), ProcessedEvent];
    return {
      module: ServiceKitModule,
      imports: [
        LoggerModule.forRoot(loggerOptions(config)),
        TypeOrmModule.forRoot({ ...dataSourceOptions(config, { ...database, entities }) }),
        TerminusModule.forRoot({ errorLogStyle: 'json', gracefulShutdownTimeoutMs: 0 }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AppExceptionFilter },
        ...redisProviders,
        KafkaService,
        EventPublisher,
        EventIntake,
        InboxService,
        LifecycleService,
        DependencyHealthIndicators,
      ],
      exports: [
        SERVICE_CONFIG,
        REDIS_CONNECTION,
        REDIS_CLUSTER_CONNECTION,
        KafkaService,
        EventPublisher,
        EventIntake,
        InboxService,
        LifecycleService,
      ],
    };
  }
}
