import { Counter, Histogram, Registry } from 'prom-client';
import {
  HTTP_DURATION_BUCKETS,
  HTTP_DURATION_METRIC,
  HTTP_REQUESTS_METRIC,
  HttpRequestSeries,
} from './http-request-series';

/** The series as they were kept before: prom-client's own `inc` and `observe` on every request. */
function reference(registry: Registry, service: string) {
  const requests = new Counter({
    name: HTTP_REQUESTS_METRIC,
    help: 'HTTP requests answered, by route pattern and status',
    labelNames: ['service', 'method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: HTTP_DURATION_METRIC,
    help: 'Time from the request reaching the framework until its response was sent, in seconds',
    labelNames: ['service', 'method', 'route'],
    buckets: [...HTTP_DURATION_BUCKETS],
    registers: [registry],
  });
  return (method: string, route: string, status: number, seconds: number) => {
    requests.inc({ service, method, route, status: String(status) });
    duration.observe({ service, method, route }, seconds);
  };
}

/** A scrape's lines, sorted: Prometheus reads series in any order. */
const lines = async (registry: Registry) => (await registry.metrics()).split('\n').filter(Boolean).sort();

type Answer = [method: string, route: string, status: number, seconds: number];

describe('HttpRequestSeries', () => {
  // Values on, between, below and above the bounds, several routes, methods and statuses, interleaved.
  const first: Answer[] = [
    ['GET', '/bids/:id', 200, 0.0004],
    ['GET', '/bids/:id', 200, 0.0005],
    ['GET', 'unmatched', 404, 0.0001],
    ['GET', '/bids/:id', 400, 0.003],
    ['POST', '/bids', 201, 0.02],
    ['GET', '/bids/:id', 200, 7.5],
    ['HEAD', '/bids/:id', 200, 0],
    ['GET', '/bids/:id', 304, 5],
    ['POST', '/bids', 500, 1.2],
  ];
  const second: Answer[] = [
    ['GET', '/bids/:id', 200, 0.0011],
    ['GET', '/analytics/revenue/:buyerId', 200, 0.26],
    ['POST', '/bids', 201, 0.049],
  ];

  it('should publish at scrape time exactly what prom-client observed per request shows, scrape after scrape', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const series = new HttpRequestSeries(ours, 'bid');
    const record = reference(theirs, 'bid');
    for (const answer of first) {
      series.record(...answer);
      record(...answer);
    }
    expect(await lines(ours)).toEqual(await lines(theirs));
    // A later scrape still equals it: the counts keep growing (counters stay monotonic).
    for (const answer of second) {
      series.record(...answer);
      record(...answer);
    }
    const scraped = await lines(ours);
    expect(scraped).toEqual(await lines(theirs));
    expect(scraped).toContain(
      'http_requests_total{service="bid",method="GET",route="/bids/:id",status="200"} 4',
    );
    expect(scraped).toContain(
      'http_request_duration_seconds_bucket{le="0.0005",service="bid",method="GET",route="/bids/:id"} 2',
    );
    expect(scraped).toContain(
      'http_request_duration_seconds_bucket{le="+Inf",service="bid",method="GET",route="/bids/:id"} 6',
    );
  });

  it('should show no series before any request, as prom-client does', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    new HttpRequestSeries(ours, 'bid');
    reference(theirs, 'bid');
    expect(await lines(ours)).toEqual(await lines(theirs));
  });
});
