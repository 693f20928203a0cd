import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';

const INDICATORS: ApiPropertyOptions = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    properties: { status: { type: 'string', enum: ['up', 'down'] } },
    additionalProperties: true,
  },
  example: { lifecycle: { status: 'up' }, postgres: { status: 'up' } },
};

/** Body of `/health`, `/health/live` and `/health/ready` (terminus's shape). */
export class HealthReportSchema {
  @ApiProperty({
    enum: ['ok', 'degraded', 'error', 'shutting_down'],
    description: '`degraded`: a dependency is down, the instance still serves; `error`: not ready',
  })
  status!: string;

  @ApiProperty({ ...INDICATORS, description: 'Indicators that are up' })
  info!: Record<string, unknown>;

  @ApiProperty({ ...INDICATORS, description: 'Indicators that are down' })
  error!: Record<string, unknown>;

  @ApiProperty({ ...INDICATORS, description: 'Every indicator' })
  details!: Record<string, unknown>;
}
