// `npm run dlq -- list|replay --topic <topic> [...]`: inspects a dead-letter topic and sends its records back
// to their original topic once the cause is fixed (see the service kit's README, "Dead-lettered events").
// Kafka settings are the services' own (KAFKA_BROKERS, KAFKA_SASL_*, KAFKA_TLS*); nothing else is needed.
import { ConfigValidationError, loadKafkaClientConfig } from '@platform/config';
import { Presets, SingleBar } from 'cli-progress';
import {
  DLQ_USAGE,
  DlqTool,
  formatReplay,
  formatSummary,
  parseDlqArgs,
  recordJson,
  UnknownTopicError,
  UsageError,
} from '../src/lib/kafka/dlq';

async function main(argv: readonly string[]): Promise<number> {
  const command = parseDlqArgs(argv);
  if (command.command === 'help') {
    process.stdout.write(`${DLQ_USAGE}\n`);
    return 0;
  }
  const tool = DlqTool.fromConfig(loadKafkaClientConfig('dlq-tool'));
  try {
    if (command.command === 'list') {
      const summary = await tool.list({
        topic: command.topic,
        filter: command.filter,
        sample: command.limit,
      });
      process.stdout.write(
        command.json
          ? `${JSON.stringify({ ...summary, records: summary.records.map(recordJson) }, null, 2)}\n`
          : `${formatSummary(summary)}\n`,
      );
      return 0;
    }
    // The bar goes to stderr, so `--json` output on stdout stays parseable.
    const bar = new SingleBar(
      {
        format: `${command.dryRun ? 'dry run' : 'replaying'} {bar} {value}/{total} scanned | {republished} sent | {duration}s`,
        stream: process.stderr,
      },
      Presets.shades_classic,
    );
    let started = false;
    const result = await tool
      .replay({
        topic: command.topic,
        filter: command.filter,
        limit: command.limit,
        dryRun: command.dryRun,
        onStart: (total) => {
          bar.start(total, 0, { republished: 0 });
          started = true;
        },
        onProgress: ({ scanned, republished }) => bar.update(scanned, { republished }),
      })
      .finally(() => started && bar.stop());
    process.stdout.write(
      command.json
        ? `${JSON.stringify({ ...result, records: result.records.map(recordJson) }, null, 2)}\n`
        : `${formatReplay(result)}\n`,
    );
    return 0;
  } finally {
    await tool.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = error instanceof UsageError;
    if (usage) process.stderr.write(`dlq: ${error.message}\n\n${DLQ_USAGE}\n`);
    else if (error instanceof UnknownTopicError) process.stderr.write(`dlq: --topic: ${error.message}\n`);
    else if (error instanceof ConfigValidationError) process.stderr.write(`dlq: ${error.message}\n`);
    else process.stderr.write(`dlq failed: ${error instanceof Error ? error.message : String(error)}\n`);
    // 2: the command line (or the topic it names) is wrong, or the environment is; 1: the run failed.
    process.exit(
      usage || error instanceof UnknownTopicError || error instanceof ConfigValidationError ? 2 : 1,
    );
  },
);
