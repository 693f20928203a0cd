// `npm run warm:routing [-- --top N]`: warms the routing service's shared cache (L2; the instances' L1
// refill from it) on demand, with a progress bar: every state's precomputed route and the N busiest buyers
// of the last two hours (default 1000). Same environment as the service (DATABASE_URL, REDIS_URL,
// CACHE_PREFIX, DB_SCHEMA, …); nothing is published, no HTTP/gRPC server or Kafka consumer starts.
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadServiceConfig } from '@platform/config';
import { US_STATE_CODES } from '@platform/contracts';
import { RoutingNamespaceKeys, routingServiceSpec, RoutingWarmer, RoutingFeatureModule } from '../src';
import { ServiceKitModule } from '@platform/service-kit';
import { Presets, SingleBar } from 'cli-progress';

async function main(): Promise<void> {
  const topIndex = process.argv.indexOf('--top');
  const top = topIndex > 0 ? Number(process.argv[topIndex + 1]) : 1000;
  if (!Number.isInteger(top) || top < 0) throw new Error('--top must be a whole number');
  const spec = routingServiceSpec();
  const config = loadServiceConfig(spec.defaults, {
    LOG_LEVEL: 'warn',
    ...process.env,
    OUTBOX_RELAY_ENABLED: 'false',
  });

  @Module({ imports: [ServiceKitModule.forRoot({ config, database: spec.database }), RoutingFeatureModule] })
  class WarmModule {}
  const app = await NestFactory.createApplicationContext(WarmModule, { logger: ['error', 'warn'] });
  try {
    const warmer = app.get(RoutingWarmer);
    const buyers = (await warmer.busiestKeys(top)).filter((key) => key.startsWith('buyer:'));
    const keys = [...US_STATE_CODES.map(RoutingNamespaceKeys.geo), ...buyers];
    const bar = new SingleBar(
      { format: 'warming routing {bar} {value}/{total} keys | {duration}s' },
      Presets.shades_classic,
    );
    bar.start(keys.length, 0);
    const result = await warmer.warm(keys, 'cli', (done) => bar.update(done));
    bar.stop();
    process.stdout.write(
      `warmed ${result.warmed} keys, ${result.failed} failed (prefix "${config.cache.prefix}")\n`,
    );
    process.exitCode = result.failed > 0 ? 1 : 0;
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`warm:routing failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
