import { Counter, Histogram, type Registry } from 'prom-client';

/** Names of the HTTP series, exported so dashboards, the HPA's adapter rule and tests use the same strings. */
export const HTTP_REQUESTS_METRIC = 'http_requests_total';
export const HTTP_DURATION_METRIC = 'http_request_duration_seconds';

/** Upper bounds (seconds) of `http_request_duration_seconds`. */
export const HTTP_DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/** One route and method: answers by status, and the duration histogram (per bucket, not cumulative). */
interface RouteSeries {
  readonly statuses: Map<number, number>;
  /** Observations per bucket of {@link HTTP_DURATION_BUCKETS}; the last slot counts those above every bound. */
  readonly buckets: number[];
  sum: number;
  count: number;
}

/** prom-client's own record of one histogram series (what its `observe` keeps in `hashMap`). */
interface HistogramEntry {
  labels: Record<string, string>;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/**
 * `http_requests_total{service,method,route,status}` and `http_request_duration_seconds{service,method,route}`,
 * counted in plain numbers per route, method and status on the request path and copied into prom-client when
 * `/metrics` is scraped. prom-client's `inc` and `observe` validate and hash the label set on every call, which
 * cost more than the rest of the metrics work of a cached answer; what a scrape shows is the same.
 *
 * The histogram is published by rebuilding prom-client's own series record (`hashMap`, which its `observe`
 * fills and its `reset` clears): there is no public way to set bucket counts. The spec compares the scrape
 * with a histogram observed the ordinary way, so a prom-client that keeps them differently fails it.
 */
export class HttpRequestSeries {
  private readonly routes = new Map<string, Map<string, RouteSeries>>();

  constructor(
    registry: Registry,
    private readonly service: string,
  ) {
    const requests: Counter<string> = new Counter({
      name: HTTP_REQUESTS_METRIC,
      help: 'HTTP requests answered, by route pattern and status',
      labelNames: ['service', 'method', 'route', 'status'],
      registers: [registry],
      // Reset and filled from the plain counts, which only grow: the counter stays monotonic.
      collect: () => {
        requests.reset();
        this.each((method, route, series) => {
          for (const [status, answered] of series.statuses) {
            requests.inc({ service, method, route, status: String(status) }, answered);
          }
        });
      },
    });
    const duration: Histogram<string> = new Histogram({
      name: HTTP_DURATION_METRIC,
      help: 'Time from the request reaching the framework until its response was sent, in seconds',
      labelNames: ['service', 'method', 'route'],
      buckets: [...HTTP_DURATION_BUCKETS],
      registers: [registry],
      collect: () => {
        const entries: Record<string, HistogramEntry> = {};
        this.each((method, route, series) => {
          const bucketValues: Record<number, number> = {};
          HTTP_DURATION_BUCKETS.forEach((bound, i) => (bucketValues[bound] = series.buckets[i]));
          entries[`${method}\n${route}`] = {
            labels: { service, method, route },
            bucketValues,
            sum: series.sum,
            count: series.count,
          };
        });
        (duration as unknown as { hashMap: Record<string, HistogramEntry> }).hashMap = entries;
      },
    });
  }

  /** Counts one answered request. */
  record(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.routes.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.routes.set(route, byMethod);
    }
    let series = byMethod.get(method);
    if (series === undefined) {
      series = {
        statuses: new Map(),
        buckets: new Array<number>(HTTP_DURATION_BUCKETS.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      byMethod.set(method, series);
    }
    series.statuses.set(status, (series.statuses.get(status) ?? 0) + 1);
    // prom-client refuses such a value (it would make the sum meaningless for good).
    if (!Number.isFinite(seconds)) return;
    // prom-client's rule: the first bound the value does not exceed.
    let i = 0;
    while (i < HTTP_DURATION_BUCKETS.length && seconds > HTTP_DURATION_BUCKETS[i]) i++;
    series.buckets[i]++;
    series.sum += seconds;
    series.count++;
  }

  private each(visit: (method: string, route: string, series: RouteSeries) => void): void {
    for (const [route, byMethod] of this.routes) {
      for (const [method, series] of byMethod) visit(method, route, series);
    }
  }
}
