import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DependencyHealthIndicators } from './dependency.health';

/**
 * `/health/live`: the process runs (no dependency checks, so a database outage does not get pods killed).
 * `/health/ready`: Postgres, Redis (and Cluster if configured) and Kafka answer, and we are not draining.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly deps: DependencyHealthIndicators,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.deps.acceptingTraffic(),
      () => this.db.pingCheck('postgres', { timeout: 1500 }),
      () => this.deps.redisStandalone(),
      () => this.deps.redisCluster(),
      () => this.deps.kafkaBroker(),
    ]);
  }
}
