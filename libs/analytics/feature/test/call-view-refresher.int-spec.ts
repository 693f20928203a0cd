import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { dropSchema, eventually, readJson, sendJson, stackEnv } from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { AnalyticsCacheKeys } from '../src/lib/cache/analytics-cache.keys';
import { CallViewRefresher } from '../src/lib/metrics/call-view-refresher';
import { useAnalyticsBehindVarnish } from './behind-varnish';
import { readCached } from './read-cached';

const HOUR_MS = 3_600_000;
const run = randomUUID().slice(0, 8);
/** The edge's second purge after an invalidation (`CacheEdgeOptions.repurgeAfter`, default 2 s). */
const REPURGE_MS = 2000;

/**
 * A view refresh invalidates only what it can change: the hours whose calls arrived since the previous
 * refresh and the KPIs. Buyer revenue is read live from `call_records` (and evicted by each write), so a
 * refresh that saw a buyer's new calls leaves its cached revenue alone, in the app and at the edge. One
 * analytics instance behind a throwaway varnishd running the repository VCL, on the real Postgres, Redis
 * and Kafka.
 */
describe('analytics view refresh invalidation (behind Varnish, real stack)', () => {
  const schema = `analytics_refresh_${run}`;
  const { service, edgeUrl } = useAnalyticsBehindVarnish({
    DB_SCHEMA: schema,
    CACHE_PREFIX: `ar-${run}:`,
    KAFKA_GROUP_ID: `analytics-refresh-${run}`,
    // The test refreshes the views itself.
    ANALYTICS_VIEW_REFRESH_MS: '0',
    // No events: the only evictions are the writer's own (before it answers) and the refresh's, so whatever
    // stays cached after the refresh was kept by it, not refilled after some late event.
    OUTBOX_RELAY_ENABLED: 'false',
    ANALYTICS_CALLS_FROM_BIDS: 'false',
  });
  afterAll(() => dropSchema(stackEnv()['DATABASE_URL'], schema), 60000);

  const viaEdge = async (path: string) => {
    const response = await fetch(`${edgeUrl()}${path}`);
    return {
      edgeHit: response.headers.get('x-cache') === 'HIT' && response.headers.get('x-cache-layer') === 'edge',
      body: await readJson(response),
    };
  };
  /** Read through the edge until the edge serves it (a first read fills the app and the edge). */
  const cachedAtEdge = (path: string) =>
    eventually(async () => {
      const read = await viaEdge(path);
      return read.edgeHit && read.body;
    });

  it("should keep a buyer's cached revenue through a refresh that saw its new calls, and evict the changed hour", async () => {
    const buyerId = `buyer-${run}`;
    // No routing criteria, cached as such, so the revenue view needs no routing service.
    await service.app
      .get<TieredCache>(CACHE_INSTANCE)
      .set(AnalyticsCacheKeys.buyerRouting(buyerId), null, { ttl: '1h' });
    // A closed hour long ago, whose calls only this test records.
    const start = new Date(
      Math.floor(Date.now() / HOUR_MS) * HOUR_MS - (1000 + Math.floor(Math.random() * 20_000)) * HOUR_MS,
    );
    const iso = start.toISOString();
    const hourPath = `/analytics/calls/${iso.slice(0, 10)}/${iso.slice(11, 13)}`;
    const revenuePath = `/analytics/revenue/${buyerId}?period=${iso.slice(0, 10)}`;

    const recorded = await sendJson('POST', `${service.httpUrl}/analytics/calls`, {
      callId: `call-${randomUUID()}`,
      buyerId,
      state: 'CA',
      startedAt: new Date(start.getTime() + 5 * 60_000).toISOString(),
      durationSeconds: 60,
      revenueCents: 500,
      outcome: 'connected',
    });
    expect(recorded.status).toBe(201);
    // The writer's own eviction purges the edge a second time after `repurgeAfter` (2 s): let that pass
    // before caching, or it would drop the edge copies below whatever the refresh does.
    await new Promise((resolve) => setTimeout(resolve, REPURGE_MS + 500));

    // Revenue is exact at once (read from the records); the closed hour waits for the next refresh.
    expect(await cachedAtEdge(revenuePath)).toMatchObject({ buyerId, calls: 1, revenueCents: 500 });
    expect(await cachedAtEdge(hourPath)).toMatchObject({ open: false, calls: 0 });
    expect((await readCached(`${service.httpUrl}${revenuePath}`)).cache).toBe('HIT');

    expect(await service.app.get(CallViewRefresher).refresh()).toMatchObject({ refreshed: true, hours: 1 });

    // The changed hour is evicted everywhere and shows the call; the edge purge is asynchronous, and the
    // revenue tag would have gone out in the same purge.
    expect(
      await eventually(async () => {
        const read = await viaEdge(hourPath);
        return !read.edgeHit && read.body;
      }),
    ).toMatchObject({ open: false, calls: 1, revenueCents: 500 });
    // The revenue answer, still right, is still in the app's cache (L1/L2) and at the edge. (The app first:
    // an edge miss would refill the app's cache.)
    const fromApp = await readCached(`${service.httpUrl}${revenuePath}`);
    expect(fromApp).toMatchObject({ cache: 'HIT', body: { calls: 1, revenueCents: 500 } });
    const fromEdge = await viaEdge(revenuePath);
    expect(fromEdge).toEqual({
      edgeHit: true,
      body: expect.objectContaining({ calls: 1, revenueCents: 500 }),
    });
  }, 90_000);
});
