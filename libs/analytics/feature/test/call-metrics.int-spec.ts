import { eventually, sendJson, useTestService } from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { analyticsServiceSpec } from '../src';
import { CallViewRefresher } from '../src/lib/metrics/call-view-refresher';
import { readCached } from './read-cached';

const HOUR_MS = 3_600_000;
const run = randomUUID().slice(0, 8);

/** `date`/`hour` path segments of the UTC hour `hoursAgo` hours before now. */
function hourPath(hoursAgo: number): { path: string; start: Date } {
  const start = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS - hoursAgo * HOUR_MS);
  const iso = start.toISOString();
  return { path: `/analytics/calls/${iso.slice(0, 10)}/${iso.slice(11, 13)}`, start };
}

describe('analytics call metrics and KPIs (real Postgres, Redis, Kafka)', () => {
  // Own schema, cache prefix and consumer group: the hour counters and views are per schema, and other suites
  // record calls in the same hours. The schedule is off: the test refreshes the views itself.
  const service = useTestService(analyticsServiceSpec(), 'analytics', {
    DB_SCHEMA: `analytics_metrics_${run}`,
    CACHE_PREFIX: `am-${run}:`,
    KAFKA_GROUP_ID: `analytics-metrics-${run}`,
    ANALYTICS_VIEW_REFRESH_MS: '0',
    // Calls reported over REST/gRPC only: the calls other suites' won bids sell on the shared
    // `bid.bid.changed.v1` topic (replayed by a new consumer group) would add to its figures.
    ANALYTICS_CALLS_FROM_BIDS: 'false',
  });

  const record = (startedAt: Date, overrides: Record<string, unknown> = {}) =>
    sendJson('POST', `${service.httpUrl}/analytics/calls`, {
      callId: `call-${randomUUID()}`,
      buyerId: `buyer-${run}`,
      state: 'CA',
      startedAt: startedAt.toISOString(),
      durationSeconds: 60,
      revenueCents: 500,
      outcome: 'connected',
      ...overrides,
    }).then((response) => expect(response.status).toBe(201));
  const get = (path: string) => readCached(`${service.httpUrl}${path}`);
  const refresh = () => service.app.get(CallViewRefresher).refresh();

  it('should answer the open hour exactly after each recorded call, through the cache', async () => {
    const { path, start } = hourPath(0);
    const at = new Date(Math.max(start.getTime(), Date.now() - 60_000));
    expect((await get(path)).body).toMatchObject({ open: true, calls: 0 });
    await eventually(async () => (await get(path)).cache === 'HIT');
    await record(at);
    await record(at, { outcome: 'missed', revenueCents: 0 });
    const after = await get(path);
    expect(after.body).toMatchObject({ open: true, calls: 2, connectedCalls: 1, revenueCents: 500 });
  });

  it('should serve a closed hour from the view, cached, and show late calls once a refresh ran', async () => {
    const { path, start } = hourPath(3);
    await record(new Date(start.getTime() + 5 * 60_000));
    await refresh();
    const first = await get(path);
    expect(first.body).toMatchObject({ open: false, calls: 1, revenueCents: 500, hour: start.toISOString() });
    // The record's own event, consumed from Kafka, evicts the hour once more; after that the answer stays cached.
    await eventually(async () => (await get(path)).cache === 'HIT');

    await record(new Date(start.getTime() + 10 * 60_000), { revenueCents: 700 }); // a late record
    // Until the next refresh the view, and so the cached answer, lags by that record.
    await eventually(async () => {
      const stale = await get(path);
      return stale.cache === 'HIT' && stale.body.calls === 1;
    });
    expect(await refresh()).toMatchObject({ refreshed: true });
    const after = await get(path);
    expect(after.cache).not.toBe('HIT');
    expect(after.body).toMatchObject({ open: false, calls: 2, revenueCents: 1200 });
  });

  it('should serve KPIs from the daily view and drop the cached series when a refresh changes them', async () => {
    await refresh();
    const before = await get('/analytics/performance/calls');
    expect(before.status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    const count = (body: { points: { day: string; value: number }[] }) =>
      body.points.find((p) => p.day === today)?.value ?? 0;
    await eventually(async () => (await get('/analytics/performance/calls')).cache === 'HIT');

    await record(new Date(Date.now() - 60_000));
    await refresh();
    const after = await get('/analytics/performance/calls');
    expect(count(after.body)).toBe(count(before.body) + 1);
  });

  it('should reject a bad hour, a future hour and an unknown KPI with 400 naming the field', async () => {
    const fields = async (path: string) => {
      const { status, body } = await get(path);
      expect(status).toBe(400);
      return body.fields.map((f: { field: string }) => f.field);
    };
    expect(await fields('/analytics/calls/2026-01-01/24')).toEqual(['hour']);
    expect(await fields('/analytics/calls/2026-13-01/10')).toEqual(['date']);
    expect(await fields(hourPath(-2).path)).toEqual(['hour']);
    expect(await fields('/analytics/performance/nope')).toEqual(['metric']);
  });
});
