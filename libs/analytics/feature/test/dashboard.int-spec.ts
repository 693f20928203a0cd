import { freePort, readJson, sendJson, startTestService } from '@platform/service-kit/testing';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser } from 'playwright-core';
import { analyticsServiceSpec } from '../src';
import { CallViewRefresher } from '../src/lib/metrics/call-view-refresher';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '../../../../tmp/test-results');
const HOUR_MS = 3_600_000;
const run = randomUUID().slice(0, 8);

/** What the test reads of a page canvas (the test's tsconfig has no DOM types). */
interface PaintedCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}

interface PlottedChart {
  labels: string[];
  datasets: { label: string; data: (number | null)[] }[];
}

describe('analytics dashboard page in headless Chromium (real Postgres, Redis, Kafka)', () => {
  let browser: Browser;
  let service: Awaited<ReturnType<typeof startTestService>>;

  beforeAll(async () => {
    const port = await freePort();
    service = await startTestService(analyticsServiceSpec(), {
      DB_SCHEMA: `analytics_dash_${run}`,
      CACHE_PREFIX: `ad-${run}:`,
      HTTP_PORT: String(port),
      ANALYTICS_VIEW_REFRESH_MS: '0',
      // Calls reported over REST only: the calls other suites' won bids sell on the shared
      // `bid.bid.changed.v1` topic (replayed by a new consumer group) would add to its figures.
      ANALYTICS_CALLS_FROM_BIDS: 'false',
      // The page's hit-rate chart scrapes this service's own /metrics and a peer that is down.
      ANALYTICS_DASHBOARD_METRICS_URLS: `analytics=http://127.0.0.1:${port}/metrics,bid=http://127.0.0.1:${await freePort()}/metrics`,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }).catch((error) => {
      throw new Error(`cannot start ${CHROMIUM} (npm run stack:up installs Debian's chromium): ${error}`);
    });
  });
  afterAll(async () => {
    await browser?.close();
    await service?.app.close();
  });

  it('should draw the seeded calls, revenue, KPIs and live hit rates', async () => {
    const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const calls = [
      { at: hour - 2 * HOUR_MS + 60_000, revenueCents: 1000, outcome: 'connected' },
      { at: hour - 2 * HOUR_MS + 120_000, revenueCents: 0, outcome: 'missed' },
      { at: hour - 5 * HOUR_MS + 60_000, revenueCents: 2500, outcome: 'connected' },
    ];
    for (const call of calls) {
      const response = await sendJson('POST', `${service.httpUrl}/analytics/calls`, {
        callId: `call-${randomUUID()}`,
        buyerId: `buyer-${run}`,
        state: 'TX',
        startedAt: new Date(call.at).toISOString(),
        durationSeconds: 90,
        revenueCents: call.revenueCents,
        outcome: call.outcome,
      });
      expect(response.status).toBe(201);
    }
    await service.app.get(CallViewRefresher).refresh();

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${service.httpUrl}/analytics/dashboard`);
    await page.waitForFunction(() => (globalThis as { dashboard?: unknown }).dashboard !== undefined, null, {
      timeout: 20_000,
    });
    const dashboard = (await page.evaluate(() => (globalThis as { dashboard?: unknown }).dashboard)) as {
      ready: boolean;
      error?: string;
      charts: Record<string, PlottedChart>;
    };
    expect(dashboard.error).toBeUndefined();
    expect(errors).toEqual([]);
    expect(dashboard.ready).toBe(true);

    const callsChart = dashboard.charts['calls'];
    expect(callsChart.labels).toHaveLength(24);
    const plottedCalls = callsChart.datasets[0].data as number[];
    expect(plottedCalls.reduce((a, b) => a + b, 0)).toBe(3);
    expect(plottedCalls[23 - 2]).toBe(2);
    expect(plottedCalls[23 - 5]).toBe(1);
    const revenue = dashboard.charts['revenue'].datasets[0].data as number[];
    expect(revenue.reduce((a, b) => a + b, 0)).toBe(35);
    expect(dashboard.charts['kpis'].datasets.map((d) => d.label)).toEqual([
      'connect rate (%)',
      'avg duration (s)',
    ]);
    expect(dashboard.charts['hitRates'].labels.length).toBeGreaterThan(0);

    // Every canvas has pixels drawn on it, not just a chart object.
    const painted = await page.$$eval('canvas', (canvases) =>
      (canvases as unknown as PaintedCanvas[]).map((canvas) => {
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let opaque = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) opaque++;
        return opaque;
      }),
    );
    expect(painted).toHaveLength(4);
    for (const pixels of painted) expect(pixels).toBeGreaterThan(500);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'analytics-dashboard.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('should serve live hit rates read from the services’ /metrics, a down one marked down', async () => {
    const rates = await readJson(await fetch(`${service.httpUrl}/analytics/dashboard/hit-rates`));
    const byService = Object.fromEntries(rates.map((r: { service: string }) => [r.service, r]));
    expect(byService['bid']).toMatchObject({ up: false });
    // The page's reads went through this service's L1: its lookups are counted.
    expect(byService['analytics'].up).toBe(true);
    expect(byService['analytics'].l1.hits + byService['analytics'].l1.misses).toBeGreaterThan(0);
  });
});
