import { randomUUID } from 'node:crypto';
import { eventually, freePort, JsonBody } from '@platform/service-kit/testing';
import { startVarnish, type VarnishHandle } from '@platform/cache/testing';
import { ServiceProcess, useIsolatedServices } from './service-process';

/**
 * Every period of a buyer's revenue goes stale when one of its calls is recorded, on every instance and at
 * the edge: two analytics instances, each behind its own throwaway varnishd running the repository VCL
 * (both purged by each instance), serve the day and the month views of `GET /analytics/revenue/:buyerId`.
 * After `POST /analytics/calls`, every view must show the new count on both instances and through both
 * edges, while dashboards keep reading the views as the write lands (the reads that race the eviction are
 * what used to leave the month view stale for the cache's whole TTL).
 */
describe('revenue views after a recorded call (two analytics instances behind Varnish, real stack)', () => {
  const services = useIsolatedServices('revenue');
  const { run } = services;
  let analytics: ServiceProcess[] = [];
  const varnishes: VarnishHandle[] = [];

  beforeAll(async () => {
    const routing = await services.start('routing');
    const ports = [await freePort(), await freePort()];
    for (const port of ports)
      varnishes.push(await startVarnish({ backendPort: port, listener: 'analytics' }));
    const edge = varnishes.map((varnish) => varnish.url).join(',');
    for (const port of ports) {
      await services.start('analytics', {
        HTTP_PORT: String(port),
        ROUTING_GRPC_ADDRESS: routing.grpcAddress,
        EDGE_VARNISH_URLS: edge,
      });
    }
    analytics = services.started.filter((service) => service.name === 'analytics');
  }, 240000);

  afterAll(async () => {
    await Promise.all(varnishes.map((varnish) => varnish.stop()));
  }, 60000);

  /** Where a view is read: each instance directly, and each instance through its edge. */
  const origins = () => [...analytics.map((service) => service.httpUrl), ...varnishes.map((v) => v.url)];
  const DAY = '2025-03-04';
  /** Every period the route accepts that contains a call of {@link DAY}: the day and its month. */
  const PERIODS = [DAY, DAY.slice(0, 7)];

  const read = async (origin: string, buyerId: string, period: string): Promise<JsonBody> => {
    const response = await fetch(`${origin}/analytics/revenue/${buyerId}?period=${period}`);
    expect(response.status).toBe(200);
    return response.json();
  };
  const record = async (buyerId: string, index: number): Promise<void> => {
    const response = await fetch(`${analytics[index % 2].httpUrl}/analytics/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        callId: `call-${run}-${randomUUID().slice(0, 8)}`,
        buyerId,
        state: 'CA',
        startedAt: `${DAY}T12:${String(10 + index).padStart(2, '0')}:00Z`,
        durationSeconds: 60,
        revenueCents: 100,
        outcome: 'connected',
      }),
    });
    if (response.status !== 201) throw new Error(`POST /analytics/calls: ${response.status}`);
    await response.arrayBuffer();
  };
  /** The `calls` of every view everywhere, as `origin period → calls`. */
  const everyView = async (buyerId: string): Promise<Record<string, number>> => {
    const views: Record<string, number> = {};
    for (const origin of origins()) {
      for (const period of PERIODS) {
        views[`${origin} ${period}`] = (await read(origin, buyerId, period)).calls;
      }
    }
    return views;
  };
  const all = (views: Record<string, number>, calls: number) =>
    Object.values(views).every((count) => count === calls);

  /**
   * Far under every TTL of the view (L1 5 min, L2 1 h, edge 24 h): a view that is not evicted everywhere
   * stays stale and fails the test.
   */
  const FRESH_WITHIN_MS = 20000;
  const ROUNDS = 6;

  it('should show every recorded call in the day and the month view on every instance and at the edge', async () => {
    const buyerId = `buyer-${run}-${randomUUID().slice(0, 8)}`;
    expect(all(await everyView(buyerId), 0)).toBe(true);

    for (let round = 1; round <= ROUNDS; round++) {
      // Dashboards keep reading every view while the call is recorded and its events evict them.
      let reading = true;
      const readers = origins().flatMap((origin) =>
        PERIODS.map(async () => {
          while (reading) {
            for (const period of PERIODS) await read(origin, buyerId, period);
          }
        }),
      );
      try {
        await record(buyerId, round);
        let last: Record<string, number> = {};
        await eventually(async () => {
          last = await everyView(buyerId);
          return all(last, round);
        }, FRESH_WITHIN_MS).catch(() => {
          throw new Error(`round ${round}: views still stale: ${JSON.stringify(last)}`);
        });
      } finally {
        reading = false;
        await Promise.all(readers);
      }
    }
    expect(all(await everyView(buyerId), ROUNDS)).toBe(true);
  }, 240000);
});
