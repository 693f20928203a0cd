// `npm run dnc:import -- <file> [--batch-size N]`: imports a DNC file (CSV `action,phone`, see the feature
// README) into the compliance service's list with a progress bar: batches of N lines (default 5000), one
// transaction each with the file's checkpoint, so Ctrl-C (or a crash) stops at a batch and the same
// command resumes there; a file already imported changes nothing. When the last batch commits, the new
// list generation is published (membership filter in Redis, one compliance.rules.changed.v1 event) and
// every running instance switches to it. Same environment as the service (DATABASE_URL, REDIS_URL,
// CACHE_PREFIX, DB_SCHEMA, COMPLIANCE_PHONE_HASH_PEPPER, …); the running services' outbox relay sends
// the event to Kafka, the cache bus reaches every instance at once.
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadServiceConfig } from '@platform/config';
import { runMigrations } from '@platform/database';
import { ServiceKitModule } from '@platform/service-kit';
import { Presets, SingleBar } from 'cli-progress';
import { complianceServiceSpec, ComplianceFeatureModule, DncImporter } from '../src';

const optionOf = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
};

async function main(): Promise<void> {
  const path = process.argv
    .slice(2)
    .find((arg, i, args) => !arg.startsWith('--') && args[i - 1] !== '--batch-size');
  if (path === undefined) throw new Error('usage: npm run dnc:import -- <file> [--batch-size N]');
  const batchSize = Number(optionOf('--batch-size') ?? 5000);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error('--batch-size must be a whole number ≥ 1');
  const spec = complianceServiceSpec();
  const config = loadServiceConfig(spec.defaults, {
    LOG_LEVEL: 'warn',
    ...process.env,
    OUTBOX_RELAY_ENABLED: 'false',
  });

  await runMigrations(config, spec.database); // a no-op when the service has migrated the schema

  @Module({
    imports: [ServiceKitModule.forRoot({ config, database: spec.database }), ComplianceFeatureModule],
  })
  class ImportModule {}
  const app = await NestFactory.createApplicationContext(ImportModule, { logger: ['error', 'warn'] });
  const abort = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nstopping after the batch in progress (run the same command to resume)…\n');
    abort.abort();
  });
  try {
    const bar = new SingleBar(
      {
        format:
          'dnc import {bar} {percentage}% | {lines} lines | +{added} −{removed} ✗{rejected} | {duration}s',
      },
      Presets.shades_classic,
    );
    let started = false;
    const result = await app.get(DncImporter).import({
      path,
      batchSize,
      signal: abort.signal,
      onProgress: (progress) => {
        if (!started) {
          bar.start(progress.totalBytes, 0, { lines: 0, added: 0, removed: 0, rejected: 0 });
          started = true;
        }
        bar.update(progress.bytes, progress);
      },
    });
    if (started) bar.stop();
    const summary = `${result.lines} lines, ${result.added} added, ${result.removed} removed, ${result.rejected} rejected`;
    if (result.status === 'already-imported') {
      process.stdout.write(`already imported (generation ${result.generation}): nothing changed\n`);
    } else if (result.status === 'interrupted') {
      process.stdout.write(`interrupted at line ${result.lines} (${summary}); run again to resume\n`);
      process.exitCode = 130;
    } else {
      process.stdout.write(`imported: ${summary}; published list generation ${result.generation}\n`);
    }
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`dnc:import failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
