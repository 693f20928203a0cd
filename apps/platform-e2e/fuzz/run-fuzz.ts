// `npm run test:fuzz`: the endpoint fuzz run at full budget (200 requests per route, under 3 minutes) against
// the four services as real processes on the local stack. Prints per-service counts and the seed; exits 1
// on any failure. FUZZ_SEED replays a run, FUZZ_PER_ROUTE changes the budget.
import { dropSchema, stackEnv } from '@platform/service-kit/testing';
import { JSON_BODY_LIMIT_BYTES } from '@platform/service-kit';
import { randomUUID } from 'node:crypto';
import { formatReport, fuzzServices } from '../test/endpoint-fuzz';
import { ServiceProcess, startService, stopService } from '../test/service-process';

async function main(): Promise<number> {
  const perRoute = Number(process.env['FUZZ_PER_ROUTE'] ?? 200);
  const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
  const run = randomUUID().slice(0, 8);
  const started: ServiceProcess[] = [];
  const start = async (name: string, extra: Record<string, string> = {}) => {
    const service = await startService(name, {
      DB_SCHEMA: `${name}_fuzz_${run}`,
      CACHE_PREFIX: `fuzz-${run}:${name}:`,
      KAFKA_GROUP_ID: `${name}-fuzz-${run}`,
      LOG_LEVEL: 'info',
      ...extra,
    });
    started.push(service);
    return service;
  };
  try {
    const [routing, compliance] = await Promise.all([start('routing'), start('compliance')]);
    const peers = {
      ROUTING_GRPC_ADDRESS: routing.grpcAddress,
      COMPLIANCE_GRPC_ADDRESS: compliance.grpcAddress,
    };
    await Promise.all([start('bid', peers), start('analytics', peers)]);
    const report = await fuzzServices(
      started.map((s) => ({ name: s.name, baseUrl: s.httpUrl, bootLog: s.output })),
      {
        perRoute,
        seed,
        bodyLimitBytes: JSON_BODY_LIMIT_BYTES,
        deadlineMs: 170_000,
        log: (line) => process.stderr.write(`${line}\n`),
      },
    );
    process.stdout.write(`${formatReport(report)}\n`);
    return report.failures.length === 0 ? 0 : 1;
  } finally {
    await Promise.all(started.map(stopService));
    for (const service of started) {
      await dropSchema(stackEnv()['DATABASE_URL'], `${service.name}_fuzz_${run}`);
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `fuzz run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
