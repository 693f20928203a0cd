import { BadRequestException, Controller, Get, Module, Param } from '@nestjs/common';
import { grpcPackage, protoPath } from '@platform/proto';
import { randomUUID } from 'node:crypto';
import { HTTP_DURATION_METRIC, HTTP_REQUESTS_METRIC, ServiceSpec, UNMATCHED_ROUTE } from '../src';
import { dropSchema, stackEnv, useTestService } from '../src/testing';

const SCHEMA = `http_metrics_${randomUUID().slice(0, 8)}`;

@Controller('things')
class ThingsController {
  @Get(':id')
  find(@Param('id') id: string) {
    if (id === 'bad') throw new BadRequestException('id: bad');
    return { id };
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

const spec: ServiceSpec = {
  defaults: { name: 'http-metrics', httpPort: 0, grpcPort: 0, dbSchema: SCHEMA },
  features: [ThingsModule],
  database: { entities: [], migrations: [] },
  grpc: { package: grpcPackage.bid, protoPath: protoPath('bid') },
  kafka: { consumes: [], produces: [] },
};

/** The value of one series of `/metrics`, or 0 when it is absent. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * `http_requests_total` and `http_request_duration_seconds` on a real service bootstrap, on both HTTP
 * frameworks: what the Helm chart's HPA scales on and the dashboards divide by.
 */
describe.each(['fastify', 'express'])('HTTP request metrics on %s (real service bootstrap)', (adapter) => {
  const service = useTestService(spec, 'bid', {
    DB_SCHEMA: SCHEMA,
    HTTP_ADAPTER: adapter,
    OUTBOX_RELAY_ENABLED: 'false',
  });
  afterAll(() => dropSchema(stackEnv()['DATABASE_URL'], SCHEMA));

  it('should count answered requests by route pattern and status, unmatched paths under one label, and time them', async () => {
    const get = async (path: string) => (await fetch(`${service.httpUrl}${path}`)).arrayBuffer();
    for (const id of ['a', 'b', 'c']) await get(`/things/${id}`);
    await get('/things/bad');
    await get(`/nowhere/${randomUUID()}`);
    const text = await (await fetch(`${service.httpUrl}/metrics`)).text();

    const labels = (route: string, status: number) =>
      `service="http-metrics",method="GET",route="${route}",status="${status}"`;
    expect(sample(text, HTTP_REQUESTS_METRIC, labels('/things/:id', 200))).toBe(3);
    expect(sample(text, HTTP_REQUESTS_METRIC, labels('/things/:id', 400))).toBe(1);
    expect(sample(text, HTTP_REQUESTS_METRIC, labels(UNMATCHED_ROUTE, 404))).toBe(1);
    expect(text).not.toContain('route="/nowhere');
    const timed = `service="http-metrics",method="GET",route="/things/:id"`;
    expect(sample(text, `${HTTP_DURATION_METRIC}_count`, timed)).toBe(4);
    expect(sample(text, `${HTTP_DURATION_METRIC}_sum`, timed)).toBeGreaterThan(0);
  });
});
