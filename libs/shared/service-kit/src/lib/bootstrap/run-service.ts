import { ConsoleLogger, Logger } from '@nestjs/common';
import { ConfigValidationError, loadServiceConfig } from '@platform/config';
import { runMigrations } from '@platform/database';
import { startServiceApp } from './create-service-app';
import { ServiceSpec } from './service-spec';

const COMMANDS = ['serve', 'migrate', 'migrate:down', 'migrate:down-all'] as const;
type Command = (typeof COMMANDS)[number];

/**
 * The whole `main.ts` of a service. `node main.js [serve]` starts it; `migrate`, `migrate:down` and
 * `migrate:down-all` apply or revert its migrations and exit. Bad configuration exits with code 78
 * (EX_CONFIG) after naming every bad variable. SIGTERM/SIGINT drain HTTP, gRPC and Kafka, with
 * `SHUTDOWN_TIMEOUT_MS` as a hard limit.
 */
export async function runService(spec: ServiceSpec, argv: string[] = process.argv.slice(2)): Promise<void> {
  // JSON from the first line: migration jobs log like the service does (serve swaps in pino later).
  Logger.overrideLogger(new ConsoleLogger(spec.defaults.name, { json: true, colors: false }));
  const logger = new Logger(spec.defaults.name);
  const command = (argv[0] ?? 'serve') as Command;
  if (!COMMANDS.includes(command)) {
    logger.error(`Unknown command "${argv[0]}". Use one of: ${COMMANDS.join(', ')}`);
    process.exit(64);
  }

  let config;
  try {
    config = loadServiceConfig(spec.defaults);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      // Plain stderr: the structured logger is not configured yet, and an operator must read this.
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }

  if (command !== 'serve') {
    const direction = command === 'migrate' ? 'up' : command === 'migrate:down' ? 'down' : 'down-all';
    const names = await runMigrations(config, spec.database, direction);
    logger.log(
      `${direction === 'up' ? 'Applied' : 'Reverted'} ${names.length} migration(s): ${names.join(', ') || '-'}`,
    );
    return;
  }

  const running = await startServiceApp(spec, config);
  running.app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        logger.error(`Graceful shutdown exceeded ${config.shutdownTimeoutMs} ms; exiting`);
        process.exit(1);
      }, config.shutdownTimeoutMs).unref();
    });
  }
  logger.log(
    { http: running.httpUrl, grpc: running.grpcAddress, consumes: spec.kafka.consumes },
    `${spec.defaults.name} ready: REST ${running.httpUrl}  gRPC ${running.grpcAddress}`,
  );
}
