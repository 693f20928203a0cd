import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DependencyHealthIndicators, DependencyReport } from './dependency.health';
import { HealthReportSchema } from './health.openapi';

/** The part of the HTTP response the health endpoints touch (no Express types here). */
interface StatusSettable {
  status(code: number): unknown;
}

/** `/health`: the instance's state and every dependency's. */
export interface HealthReport extends Omit<DependencyReport, 'status'> {
  /** `ok`, `degraded` (a dependency is down, the instance still serves) or `error` (the instance is not ready). */
  status: 'ok' | 'degraded' | 'error';
}

/**
 * `/health/live`: the process runs (no dependency checks, so a database outage does not get pods killed).
 * `/health/ready`: THIS instance can take traffic: it has started and is not draining. Shared dependencies
 * (Postgres, Redis, Kafka) are deliberately not part of it: every instance sees the same outage, so failing
 * readiness would take all of them out of rotation at once, turning a degraded dependency (cached reads,
 * writes through the outbox, 503s with Retry-After) into a full outage.
 * `/health`: every dependency's state for people and monitoring; 200 `ok` or `degraded`, 503 `error` only
 * when the instance itself is not ready. Dependency state is also the `dependency_up` gauge on `/metrics`.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly deps: DependencyHealthIndicators,
  ) {}

  /**
   * Answered here rather than by terminus, which fails every check once shutdown begins: a liveness
   * failure while draining could get the process killed before in-flight work is done.
   */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process runs', description: 'Open: no token needed.' })
  @ApiResponse({ status: 200, type: HealthReportSchema, description: 'Alive' })
  live(): HealthCheckResult {
    return { status: 'ok', info: {}, error: {}, details: {} };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: this instance takes traffic (started, not draining)',
    description: 'Shared dependencies are not part of it. Open: no token needed.',
  })
  @ApiResponse({ status: 200, type: HealthReportSchema, description: 'Ready' })
  @ApiResponse({ status: 503, type: HealthReportSchema, description: 'Starting or draining' })
  async ready(@Res({ passthrough: true }) response: StatusSettable): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.deps.acceptingTraffic()]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }

  @Get()
  @ApiOperation({
    summary: 'Every dependency’s state',
    description:
      '200 `ok` or `degraded`; 503 `error` only when the instance is not ready. Open: no token needed.',
  })
  @ApiResponse({ status: 200, type: HealthReportSchema, description: '`ok` or `degraded`' })
  @ApiResponse({ status: 503, type: HealthReportSchema, description: 'The instance is not ready' })
  async report(@Res({ passthrough: true }) response: StatusSettable): Promise<HealthReport> {
    const lifecycle = this.deps.acceptingTraffic();
    const report = await this.deps.dependencies();
    const ready = lifecycle['lifecycle'].status === 'up';
    if (!ready) response.status(503);
    return {
      status: ready ? report.status : 'error',
      info: ready ? { ...lifecycle, ...report.info } : report.info,
      error: ready ? report.error : { ...lifecycle, ...report.error },
      details: { ...lifecycle, ...report.details },
    };
  }
}
