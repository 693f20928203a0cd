import { JSON_BODY_LIMIT_BYTES } from '@platform/service-kit';
import { formatReport, fuzzServices } from './endpoint-fuzz';
import { useIsolatedServices } from './service-process';

const SERVICES = ['routing', 'compliance', 'bid', 'analytics'] as const;
/** A smaller budget than `npm run test:fuzz` (200 per route) so CI stays quick. */
const PER_ROUTE = Number(process.env['FUZZ_PER_ROUTE'] ?? 30);
const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);

describe('every REST route of the four services under generated requests', () => {
  const services = useIsolatedServices('fuzz');

  beforeAll(async () => {
    // LOG_LEVEL info: the route table is read from the boot log when a service serves no OpenAPI document.
    // Two at a time (two cores); bid and analytics call routing and compliance over gRPC, so those come first.
    const [routing, compliance] = await Promise.all(
      ['routing', 'compliance'].map((name) => services.start(name, { LOG_LEVEL: 'info' })),
    );
    const peers = {
      ROUTING_GRPC_ADDRESS: routing.grpcAddress,
      COMPLIANCE_GRPC_ADDRESS: compliance.grpcAddress,
    };
    await Promise.all(
      ['bid', 'analytics'].map((name) => services.start(name, { LOG_LEVEL: 'info', ...peers })),
    );
  }, 180000);

  it('should answer every request below 500, and name a field in every 400', async () => {
    const report = await fuzzServices(
      services.started.map((s) => ({ name: s.name, baseUrl: s.httpUrl, bootLog: s.output })),
      { perRoute: PER_ROUTE, seed: SEED, bodyLimitBytes: JSON_BODY_LIMIT_BYTES, deadlineMs: 150_000 },
    );
    process.stdout.write(`${formatReport(report)}\n`);
    for (const name of SERVICES) {
      expect(report.counts[name]?.routes).toBeGreaterThan(0);
      expect(report.counts[name]?.requests).toBe(report.counts[name].routes * PER_ROUTE);
    }
    expect(report.failures.map((f) => `${f.service} ${f.route}: ${f.why} (seed ${SEED})`)).toEqual([]);
  }, 240000);
});
