import { INestApplication, Module } from '@nestjs/common';
import { installHttpCacheFastPath } from '@platform/cache/nest';
import { GrpcOptions, Transport } from '@nestjs/microservices';
import type { ServiceConfig } from '@platform/config';
import { grpcLoaderOptions } from '@platform/proto';
import { Logger } from 'nestjs-pino';
import { KafkaService } from '../kafka/kafka.service';
import { deadLetterTopics, EventConsumerService } from '../kafka/consumer/event-consumer.service';
import { LifecycleService } from '../health/lifecycle.service';
import { ServiceKitModule } from '../service-kit.module';
import { setupOpenApi } from '../openapi/openapi.setup';
import { createHttpApp } from './http-app';
import { tolerateUndecodableRequests } from '../grpc/undecodable-request';
import { installHttpMetrics } from './http-metrics';
import { loggerOptions } from '../logging/logger-options';
import { installRequestLogging } from '../logging/request-logging';
import { ServiceSpec } from './service-spec';

/** A started service and the addresses it listens on. */
export interface RunningService {
  app: INestApplication;
  config: ServiceConfig;
  /** Base URL of the REST API, e.g. `http://127.0.0.1:3101`. */
  httpUrl: string;
  /** `host:port` of the gRPC server. */
  grpcAddress: string;
}

/**
 * Builds and starts a service as a Nest hybrid application: HTTP (Fastify, or Express by `HTTP_ADAPTER`)
 * and a gRPC server sharing the global
 * validation pipe and exception filter, and (when the service consumes topics) the Kafka consumer of its
 * `@ConsumeEvent` handlers ({@link EventConsumerService}: manual commits, retries, `<topic>.dlq`).
 */
export async function startServiceApp(spec: ServiceSpec, config: ServiceConfig): Promise<RunningService> {
  @Module({})
  class AppModule {}

  const app = await createHttpApp(
    {
      module: AppModule,
      imports: [
        ServiceKitModule.forRoot({ config, database: spec.database, grpcReadMethods: spec.grpc.readMethods }),
        ...spec.features,
      ],
    },
    config.http.adapter,
    { bodyLimitBytes: config.limits.httpBodyLimitBytes },
  );
  app.useLogger(app.get(Logger));
  app.flushLogs();
  installRequestLogging(app, config.http.adapter, loggerOptions(config));
  installHttpMetrics(app, config);
  // Fresh hits of public HTTP-cached routes answered before Nest's router; the guards and the logging and
  // metrics hooks still run for them.
  if (config.http.cacheFastPath) installHttpCacheFastPath(app);

  try {
    setupOpenApi(app, config);
    if (config.kafka.ensureTopics) {
      await app
        .get(KafkaService)
        .ensureTopics([
          ...spec.kafka.consumes,
          ...deadLetterTopics(spec.kafka.consumes),
          ...spec.kafka.produces,
        ]);
    }

    const grpcAddress = `${config.grpc.host}:${config.grpc.port}`;
    app.connectMicroservice<GrpcOptions>(
      {
        transport: Transport.GRPC,
        options: {
          package: spec.grpc.package,
          protoPath: spec.grpc.protoPath,
          url: grpcAddress,
          loader: grpcLoaderOptions,
          // A request grpc-js cannot decode answers INVALID_ARGUMENT, not INTERNAL (see undecodable-request.ts).
          onLoadPackageDefinition: (definition) =>
            tolerateUndecodableRequests(definition as Record<string, unknown>, spec.grpc.package),
          // Let in-flight calls finish on shutdown instead of cutting them off.
          gracefulShutdown: true,
          // Oversized messages are refused by grpc-js itself with RESOURCE_EXHAUSTED (`GRPC_MAX_*_BYTES`).
          maxReceiveMessageLength: config.limits.grpcMaxReceiveMessageBytes,
          maxSendMessageLength: config.limits.grpcMaxSendMessageBytes,
        },
      },
      { inheritAppConfig: true },
    );

    await app.startAllMicroservices();
    await app.listen(config.http.port, config.http.host);
    // After listen, so every provider is initialised before the first event is handled. A new consumer
    // group starts from the oldest event: replaying an invalidation is harmless, missing one is not.
    await app.get(EventConsumerService).start(spec.kafka.consumes);
    app.get(LifecycleService).markStarted();
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.http.port;
    return { app, config, httpUrl: `http://${config.http.host}:${port}`, grpcAddress };
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
}
