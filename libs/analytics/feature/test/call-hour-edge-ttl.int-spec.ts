import { CACHE_INSTANCE } from '@platform/cache/nest';
import type { TieredCache } from '@platform/cache';
import { eventually } from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { AnalyticsCacheKeys, OPEN_HOUR_TTL_MS } from '../src/lib/cache/analytics-cache.keys';
import { useAnalyticsBehindVarnish } from './behind-varnish';

const HOUR_MS = 3_600_000;
const DAY_S = 86_400;
const run = randomUUID().slice(0, 8);

/** The `date`/`hour` of the UTC hour `hoursAgo` hours before now, its path and its cache key. */
function hourAgo(hoursAgo: number): { path: string; key: string } {
  const iso = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS - hoursAgo * HOUR_MS).toISOString();
  const [date, hour] = [iso.slice(0, 10), iso.slice(11, 13)];
  return { path: `/analytics/calls/${date}/${hour}`, key: AnalyticsCacheKeys.calls(date, hour) };
}

/** `s-maxage` of a `Cache-Control` header, in seconds. */
const sMaxAge = (cacheControl: string | null) => Number(/s-maxage=(\d+)/.exec(cacheControl ?? '')?.[1]);

/**
 * `analytics:calls:{date}:{hour}` lives 24 h at the edge once the hour has closed, but only 60 s (in L1, L2
 * and at the edge) while it is open: one analytics instance behind a throwaway varnishd running the
 * repository VCL, on the real Postgres, Redis and Kafka.
 */
describe('hourly call metrics TTLs per hour (analytics behind Varnish, real stack)', () => {
  // Own schema, cache prefix and consumer group.
  const { service, edgeUrl } = useAnalyticsBehindVarnish({
    DB_SCHEMA: `analytics_edge_${run}`,
    CACHE_PREFIX: `ae-${run}:`,
    KAFKA_GROUP_ID: `analytics-edge-${run}`,
    ANALYTICS_VIEW_REFRESH_MS: '0',
    // Other suites' won bids (replayed by a new consumer group) would evict the open hour under the test.
    ANALYTICS_CALLS_FROM_BIDS: 'false',
  });

  const viaEdge = async (path: string) => {
    const response = await fetch(`${edgeUrl()}${path}`);
    await response.arrayBuffer();
    return response.headers;
  };
  /** Remaining L1/L2 life of the stored response of `key`, in ms. */
  const storedTtl = (key: string) => service.app.get<TieredCache>(CACHE_INSTANCE).ttl(`http:${key}`);
  /**
   * The hour read twice through the edge until the second read is an edge hit and the app holds the entry.
   * (The fresh consumer group replays older events of the shared topics, and other suites record calls in
   * the open hour: each evicts it, here and at the edge.)
   */
  const cachedEverywhere = (path: string, key: string) =>
    eventually(async () => {
      await viaEdge(path);
      const hit = await viaEdge(path);
      const ttl = await storedTtl(key);
      const edgeHit = hit.get('x-cache') === 'HIT' && hit.get('x-cache-layer') === 'edge';
      return edgeHit && ttl !== undefined && { sMaxAge: sMaxAge(hit.get('cache-control')), ttl };
    }, 60_000);

  it('should let the edge keep a closed hour for 24 h, and the app for its namespace TTLs', async () => {
    // An hour long closed that no other suite records calls in (their events would evict it meanwhile).
    const { path, key } = hourAgo(1000 + Math.floor(Math.random() * 20_000));
    const { sMaxAge, ttl } = await cachedEverywhere(path, key);
    expect(sMaxAge).toBe(DAY_S);
    expect(ttl).toBeGreaterThan(OPEN_HOUR_TTL_MS);
  }, 90_000);

  it('should let the edge and the app keep the open hour only for the short TTL (at most until it closes)', async () => {
    const { path, key } = hourAgo(0);
    const { sMaxAge, ttl } = await cachedEverywhere(path, key);
    expect(sMaxAge).toBeGreaterThanOrEqual(1);
    expect(sMaxAge).toBeLessThanOrEqual(OPEN_HOUR_TTL_MS / 1000);
    expect(ttl).toBeLessThanOrEqual(OPEN_HOUR_TTL_MS);
  }, 90_000);
});
