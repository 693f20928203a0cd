import type { Provider } from '@nestjs/common';
import { CACHE_METRICS_REGISTRY } from '@platform/cache/nest';
import type { ServiceConfig } from '@platform/config';
import { QueryCounter } from '@platform/database';
import { Counter, Registry } from 'prom-client';
import { SERVICE_CONFIG } from '../service-kit.constants';

/** Name of the counter of SQL statements, exported so benches, dashboards and tests use the same string. */
export const DB_QUERIES_METRIC = 'db_queries_total';

/** Injection token of the registered `db_queries_total` counter. */
export const DB_QUERY_METRICS = Symbol('service-kit:db-query-metrics');

/**
 * Serves the service's {@link QueryCounter} as `db_queries_total{service}` on the registry served at `/metrics`
 * (`CACHE_METRICS_REGISTRY`), read at scrape time so the query path only pays an increment. Requests served per
 * query is what a cache saves: the load bench divides its delta by the requests it sent.
 */
export const dbQueryMetricsProvider: Provider = {
  provide: DB_QUERY_METRICS,
  inject: [QueryCounter, SERVICE_CONFIG, { token: CACHE_METRICS_REGISTRY, optional: true }],
  useFactory: (queries: QueryCounter, config: ServiceConfig, registry?: Registry | null) => {
    let reported = 0;
    return new Counter({
      name: DB_QUERIES_METRIC,
      help: 'SQL statements this process sent to Postgres (transaction statements included)',
      labelNames: ['service'],
      registers: [registry ?? new Registry()],
      collect() {
        const total = queries.total;
        this.inc({ service: config.name }, total - reported);
        reported = total;
      },
    });
  },
};
