import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { ServiceConfig } from '@platform/config';
import { ApiEndpoint } from '@platform/service-kit';
import { ServiceHitRatesSchema } from '../analytics.openapi';
import { SERVICE_CONFIG } from '@platform/service-kit';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { metricsTargets, scrapeHitRates, type ServiceHitRates } from './cache-hit-rates';
import { DASHBOARD_HTML } from './dashboard.page';

/**
 * The dashboard page, the Chart.js bundle it uses (from this service's own `node_modules`, never a CDN) and the
 * live hit rates it polls. Not cached: the page is small and the hit rates must be live; the figures it draws
 * come from the cached `/analytics/calls` and `/analytics/performance` routes.
 */
@Controller('analytics/dashboard')
export class DashboardController {
  private chartJs?: string;
  /** Read once: a malformed `ANALYTICS_DASHBOARD_METRICS_URLS` fails the boot, not the first request. */
  private readonly targets: { service: string; url: string }[];

  constructor(@Inject(SERVICE_CONFIG) config: ServiceConfig) {
    this.targets = metricsTargets(config.vars);
  }

  /** The page. */
  @Get()
  @ApiEndpoint({
    summary: 'The dashboard page (HTML)',
    scope: 'analytics:read',
    noInput: true,
    response: { contentType: 'text/html', schema: { type: 'string' } },
  })
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return DASHBOARD_HTML;
  }

  /** Chart.js's UMD build, read once. */
  @Get('chart.js')
  @ApiEndpoint({
    summary: 'Chart.js, the bundle the dashboard draws with',
    scope: 'analytics:read',
    noInput: true,
    response: { contentType: 'text/javascript', schema: { type: 'string' } },
  })
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  chart(): string {
    // webpackIgnore: Node resolves it at run time. Bundled, `require.resolve` became a webpack module id (a
    // number), which readFileSync took for a file descriptor. Through the package's main entry (dist/chart.cjs):
    // its `exports` map does not export dist/chart.umd.min.js itself, so Node refuses that path.
    this.chartJs ??= readFileSync(
      join(dirname(require.resolve(/* webpackIgnore: true */ 'chart.js')), 'chart.umd.min.js'),
      'utf8',
    );
    return this.chartJs;
  }

  /** L1, L2 and overall hit rates of every service, read from their `/metrics` now. */
  @Get('hit-rates')
  @ApiEndpoint({
    summary: 'L1, L2 and overall cache hit rates of every service, live',
    scope: 'analytics:read',
    noInput: true,
    response: [ServiceHitRatesSchema],
  })
  hitRates(): Promise<ServiceHitRates[]> {
    return scrapeHitRates(this.targets);
  }
}
