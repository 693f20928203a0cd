import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CACHE_METRICS_REGISTRY } from '@platform/cache/nest';
import type { ServiceConfig } from '@platform/config';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, Registry } from 'prom-client';

/** Names of the HTTP series, exported so dashboards, the HPA's adapter rule and tests use the same strings. */
export const HTTP_REQUESTS_METRIC = 'http_requests_total';
export const HTTP_DURATION_METRIC = 'http_request_duration_seconds';

/** The route label of a request that matched no route (a bounded label, whatever path was asked). */
export const UNMATCHED_ROUTE = 'unmatched';

/** What one answered request is counted as. */
interface Answered {
  readonly method: string;
  /** The route pattern (`/bids/:id`), never the raw path: the label's values stay bounded. */
  readonly route: string;
  readonly status: number;
  readonly seconds: number;
}

/**
 * Counts every HTTP request the service answers — `http_requests_total{service,method,route,status}` and
 * `http_request_duration_seconds{service,method,route}` — on the registry served at `/metrics`. The request
 * rate is what the Helm chart's HPA scales on (through a custom metrics adapter) and what the dashboards
 * divide cache hits by. Recorded from the framework's own response hook (Fastify `onResponse`, Express
 * `finish`), so 404s, 400s from the validation pipe and errors count too, at the cost of two label lookups.
 */
export function installHttpMetrics(app: INestApplication, config: ServiceConfig): void {
  const registry = app.get<Registry | null>(CACHE_METRICS_REGISTRY, { strict: false }) ?? new Registry();
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
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const service = config.name;
  const record = ({ method, route, status, seconds }: Answered) => {
    requests.inc({ service, method, route, status: String(status) });
    duration.observe({ service, method, route }, seconds);
  };

  if (config.http.adapter === 'fastify') {
    const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
    fastify.addHook('onResponse', (request, reply, done) => {
      record({
        method: request.method,
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        status: reply.statusCode,
        seconds: reply.elapsedTime / 1000,
      });
      done();
    });
    return;
  }
  app.use(
    (
      request: IncomingMessage & { route?: { path?: string } },
      response: ServerResponse,
      next: () => void,
    ) => {
      const started = process.hrtime.bigint();
      response.once('finish', () => {
        const path = request.route?.path;
        // Nest answers unknown paths on Express from a catch-all route (`/{*path}`): that is no route either.
        const matched = typeof path === 'string' && !path.includes('*');
        record({
          method: request.method ?? 'GET',
          route: matched ? path : UNMATCHED_ROUTE,
          status: response.statusCode,
          seconds: Number(process.hrtime.bigint() - started) / 1e9,
        });
      });
      next();
    },
  );
}
