import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CACHE_METRICS_REGISTRY } from '@platform/cache/nest';
import type { ServiceConfig } from '@platform/config';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { HttpRequestSeries } from './http-request-series';

export { HTTP_DURATION_METRIC, HTTP_REQUESTS_METRIC } from './http-request-series';

/** The route label of a request that matched no route (a bounded label, whatever path was asked). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Counts every HTTP request the service answers — `http_requests_total{service,method,route,status}` and
 * `http_request_duration_seconds{service,method,route}` — on the registry served at `/metrics`. The request
 * rate is what the Helm chart's HPA scales on (through a custom metrics adapter) and what the dashboards
 * divide cache hits by. Recorded from the framework's own response hook (Fastify `onResponse`, Express
 * `finish`), so 404s, 400s from the validation pipe and errors count too; counted in plain numbers and
 * copied into prom-client at scrape time (see {@link HttpRequestSeries}).
 */
export function installHttpMetrics(app: INestApplication, config: ServiceConfig): void {
  const registry = app.get<Registry | null>(CACHE_METRICS_REGISTRY, { strict: false }) ?? new Registry();
  const series = new HttpRequestSeries(registry, config.name);

  if (config.http.adapter === 'fastify') {
    const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
    fastify.addHook('onResponse', (request, reply, done) => {
      // The route pattern (`/bids/:id`), never the raw path: the label's values stay bounded.
      series.record(
        request.method,
        request.routeOptions.url ?? UNMATCHED_ROUTE,
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
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
        series.record(
          request.method ?? 'GET',
          matched ? path : UNMATCHED_ROUTE,
          response.statusCode,
          Number(process.hrtime.bigint() - started) / 1e9,
        );
      });
      next();
    },
  );
}
