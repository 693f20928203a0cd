import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcOptions, Transport } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ServiceConfig } from '@platform/config';
import { grpcLoaderOptions } from '@platform/proto';
import { Logger } from 'nestjs-pino';
import { KafkaService } from '../kafka/kafka.service';
import { deadLetterTopics, EventConsumerService } from '../kafka/consumer/event-consumer.service';
import { LifecycleService } from '../health/lifecycle.service';
import { ServiceKitModule } from '../service-kit.module';
import { acceptJsonBodiesOnly } from './json-body';
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
 * Builds and starts a service as a Nest hybrid application: HTTP and a gRPC server sharing the global
 * validation pipe and exception filter, and (when the service consumes topics) the Kafka consumer of its
 * `@ConsumeEvent` handlers ({@link EventConsumerService}: manual commits, retries, `<topic>.dlq`).
 */
export async function startServiceApp(spec: ServiceSpec, config: ServiceConfig): Promise<RunningService> {
  @Module({})
  class AppModule {}

  const app = await NestFactory.create<NestExpressApplication>(
    {
      module: AppModule,
      imports: [ServiceKitModule.forRoot({ config, database: spec.database }), ...spec.features],
    },
    // abortOnError: false — a failing boot must reject (main logs it and exits 1; a test sees the error)
    // rather than Nest calling process.exit() itself.
    // bodyParser: false — JSON only, installed below; Nest's defaults would also parse form bodies.
    { bufferLogs: true, abortOnError: false, bodyParser: false },
  );
  acceptJsonBodiesOnly(app);
  app.useLogger(app.get(Logger));
  app.flushLogs();
  // Do not advertise the framework to callers.
  app.getHttpAdapter().getInstance().disable?.('x-powered-by');
  // Defense in depth behind the VCL's own rule: no shared cache (a CDN that ignores our VCL) keeps what a
  // route did not mark. `@CacheRoute` (HttpCacheInterceptor) and `@Header('Cache-Control', …)` replace it.
  app.use(
    (_request: unknown, response: { setHeader(name: string, value: string): void }, next: () => void) => {
      response.setHeader('Cache-Control', 'no-store');
      next();
    },
  );

  try {
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
          // Let in-flight calls finish on shutdown instead of cutting them off.
          gracefulShutdown: true,
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
