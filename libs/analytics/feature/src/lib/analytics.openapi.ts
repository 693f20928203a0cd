import { ApiProperty } from '@nestjs/swagger';
import { CallRecorded } from '@platform/contracts';
import { ApiEntityId } from '@platform/service-kit';
import { PERFORMANCE_METRICS } from './metrics/call-metrics.service';

/** OpenAPI schema of a call record; `state`, `durationSeconds` and `outcome` are null for a call known only from its bid. */
export class CallRecordSchema {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiEntityId({ example: 'call-1001' })
  callId!: string;

  @ApiEntityId()
  buyerId!: string;

  @ApiProperty({ type: 'string', nullable: true, example: 'CA' })
  state!: string | null;

  @ApiProperty({ format: 'date-time' })
  startedAt!: string;

  @ApiProperty({ type: 'integer', minimum: 0, nullable: true })
  durationSeconds!: number | null;

  @ApiProperty({ type: 'integer', minimum: 0 })
  revenueCents!: number;

  @ApiProperty({ enum: CallRecorded.CallOutcome.options, nullable: true })
  outcome!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

/** Body of `POST /analytics/calls/batch`. */
export class RecordedCallsSchema {
  @ApiProperty({ type: [CallRecordSchema], description: 'The calls this request recorded' })
  recorded!: CallRecordSchema[];

  @ApiProperty({ type: [String], description: '`callId`s that were already recorded (left as they were)' })
  duplicateCallIds!: string[];
}

/** The buyer's routing criteria as analytics sees them. */
export class RevenueRoutingSchema {
  @ApiProperty()
  active!: boolean;

  @ApiProperty({ type: 'integer' })
  priority!: number;

  @ApiProperty({ type: [String], example: ['CA'] })
  states!: string[];

  @ApiProperty({ type: 'integer' })
  version!: number;
}

/** Body of `GET /analytics/revenue/:buyerId`. */
export class BuyerRevenueSchema {
  @ApiEntityId()
  buyerId!: string;

  @ApiProperty({ example: '2026-12', description: '`YYYY-MM` (UTC month) or `YYYY-MM-DD` (UTC day)' })
  period!: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  calls!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  connectedCalls!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  revenueCents!: number;

  @ApiProperty({
    type: RevenueRoutingSchema,
    nullable: true,
    description: 'null when the buyer has no criteria',
  })
  routing!: RevenueRoutingSchema | null;
}

/** Body of `GET /analytics/calls/:date/:hour`. */
export class HourlyCallMetricsSchema {
  @ApiProperty({ format: 'date-time', description: 'Start of the hour, UTC' })
  hour!: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  calls!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  connectedCalls!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  revenueCents!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Talk time' })
  durationSeconds!: number;

  @ApiProperty({ description: 'The hour is still open: its figures still move' })
  open!: boolean;
}

/** One day of a KPI series. */
export class PerformancePointSchema {
  @ApiProperty({ format: 'date', example: '2026-12-05' })
  day!: string;

  @ApiProperty({ type: 'number' })
  value!: number;
}

/** Body of `GET /analytics/performance/:metric`. */
export class PerformanceSeriesSchema {
  @ApiProperty({ enum: Object.keys(PERFORMANCE_METRICS) })
  metric!: string;

  @ApiProperty({
    type: [PerformancePointSchema],
    description: 'Last 30 days, oldest first; days without calls omitted',
  })
  points!: PerformancePointSchema[];
}

/** Hits, misses and hit rate of one cache layer. */
export class LayerHitRateSchema {
  @ApiProperty({ type: 'number', minimum: 0 })
  hits!: number;

  @ApiProperty({ type: 'number', minimum: 0 })
  misses!: number;

  @ApiProperty({
    type: 'number',
    minimum: 0,
    maximum: 1,
    nullable: true,
    description: 'null: no lookups yet',
  })
  rate!: number | null;
}

/** One service's cache hit rates, read from its `/metrics`. */
export class ServiceHitRatesSchema {
  @ApiProperty({ example: 'bid' })
  service!: string;

  @ApiProperty({ description: 'False when its `/metrics` could not be read' })
  up!: boolean;

  @ApiProperty({ type: LayerHitRateSchema })
  l1!: LayerHitRateSchema;

  @ApiProperty({ type: LayerHitRateSchema })
  l2!: LayerHitRateSchema;

  @ApiProperty({ type: LayerHitRateSchema, description: 'Lookups answered by L1 or L2' })
  overall!: LayerHitRateSchema;
}
