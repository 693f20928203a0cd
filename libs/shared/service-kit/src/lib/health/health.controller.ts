import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DependencyHealthIndicators } from './dependency.health';

/** The part of the HTTP response the health endpoints touch (no Express types here). */
interface StatusSettable {
  status(code: number): unknown;
}

/**
 * `/health/live`: the process runs (no dependency checks, so a database outage does not get pods killed).
 * `/health/ready`: Postgres, Redis (and Cluster if configured) and Kafka answer, and we are not draining.
 * A failing check answers 503 with terminus' per-dependency details, not the generic error body.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly deps: DependencyHealthIndicators,
  ) {}

  /**
   * Answered here rather than by terminus, which fails every check once shutdown begins: a liveness
   * failure while draining could get the process killed before in-flight work is done.
   */
  @Get('live')
  live(): HealthCheckResult {
    return { status: 'ok', info: {}, error: {}, details: {} };
  }

  @Get('ready')
  ready(@Res({ passthrough: true }) response: StatusSettable): Promise<HealthCheckResult> {
    return this.report(response, [
      () => this.deps.acceptingTraffic(),
      () => this.db.pingCheck('postgres', { timeout: 1500 }),
      () => this.deps.redisStandalone(),
      () => this.deps.redisCluster(),
      () => this.deps.kafkaBroker(),
    ]);
  }

  private async report(
    response: StatusSettable,
    checks: Parameters<HealthCheckService['check']>[0],
  ): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
