import { CallRecorded } from '@platform/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  ValidateNested,
  IsIn,
  IsInt,
  IsOptional,
  IsUUID,
  Max,
  Min,
  ValidateBy,
  ValidationArguments,
  IsObject,
} from 'class-validator';
import {
  ApiEntityId,
  ApiPageLimit,
  ApiRfc3339,
  ApiUsState,
  emptyAsMissing,
  IsEntityId,
  IsRfc3339,
  IsUsState,
  PageLimit,
} from '@platform/service-kit';

// prettier-ignore
/** Longest accepted call: 24 hours. */
export const MAX_DURATION_SECONDS = 86_400;
/** Largest accepted revenue of one call: $100,000.00. */
export const MAX_REVENUE_CENTS = 10_000_000;
/** How far in the future `startedAt` may be (clock skew between the reporter and us). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** The value, an RFC 3339 timestamp, is at most {@link MAX_CLOCK_SKEW_MS} in the future. */
const NotInTheFuture = () =>
  ValidateBy({
    name: 'notInTheFuture',
    validator: {
      // An unparsable value is reported by @IsRfc3339; only judge real timestamps here.
      validate: (value: unknown) =>
        typeof value !== 'string' ||
        Number.isNaN(Date.parse(value)) ||
        Date.parse(value) <= Date.now() + MAX_CLOCK_SKEW_MS,
      defaultMessage: () => 'must not be more than 5 minutes in the future',
    },
  });

/** The value, an RFC 3339 timestamp, is strictly after the sibling property `other` (when both are set). */
const IsAfterProperty = (other: string) =>
  ValidateBy({
    name: 'isAfterProperty',
    constraints: [other],
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        const bound = (args?.object as Record<string, unknown> | undefined)?.[other];
        if (typeof value !== 'string' || typeof bound !== 'string') return true;
        const end = Date.parse(value);
        const start = Date.parse(bound);
        return Number.isNaN(end) || Number.isNaN(start) || end > start;
      },
      defaultMessage: () => `must be after ${other}`,
    },
  });

/** Fields of a call to record, shared by REST (`RecordCallDto`) and gRPC (`RecordCallGrpcDto`). */
export abstract class CallFieldsDto {
  @ApiEntityId({ example: 'call-1001' })
  @IsEntityId()
  callId: string;

  @ApiEntityId()
  @IsEntityId()
  buyerId: string;

  @ApiUsState({ description: 'The caller’s state' })
  @IsUsState()
  state: string;

  @ApiRfc3339({ description: 'When the call started; at most 5 minutes in the future' })
  @IsRfc3339()
  @NotInTheFuture()
  startedAt: string;

  @IsInt()
  @Min(0)
  @Max(MAX_DURATION_SECONDS)
  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_DURATION_SECONDS, example: 120 })
  durationSeconds: number;

  @IsInt()
  @Min(0)
  @Max(MAX_REVENUE_CENTS)
  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_REVENUE_CENTS, example: 1250 })
  revenueCents: number;
}

/** Body of `POST /analytics/calls`. */
export class RecordCallDto extends CallFieldsDto {
  @ApiProperty({ enum: CallRecorded.CallOutcome.options, example: 'connected' })
  @IsIn(CallRecorded.CallOutcome.options)
  outcome: CallRecorded.CallOutcome;
}

/** Most calls one batch may carry. */
export const MAX_BATCH_CALLS = 500;

/** Body of `POST /analytics/calls/batch`. */
export class RecordCallsDto {
  @ApiProperty({ type: () => [RecordCallDto], minItems: 1, maxItems: MAX_BATCH_CALLS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_CALLS)
  // ValidateNested passes an item that is itself an array (its elements are checked, not its shape).
  @IsObject({ each: true, message: 'each item must be an object' })
  @ValidateNested({ each: true })
  @Type(() => RecordCallDto)
  calls: RecordCallDto[];
}

/** Query of `GET /analytics/calls` and request of gRPC `ListCallRecords` (`''` and `limit: 0` mean unset). */
export class ListCallRecordsQuery {
  @ApiEntityId({ required: false, description: 'Only this buyer’s calls' })
  @IsOptional()
  @Transform(emptyAsMissing)
  @IsEntityId()
  buyerId?: string;

  @IsOptional()
  @Transform(emptyAsMissing)
  @IsRfc3339()
  @ApiRfc3339({ required: false, description: 'Calls started at or after' })
  from?: string;

  @IsOptional()
  @Transform(emptyAsMissing)
  @IsRfc3339()
  @IsAfterProperty('from')
  @ApiRfc3339({ required: false, description: 'Calls started before; after `from`' })
  to?: string;

  @ApiPageLimit()
  @PageLimit()
  limit?: number;
}

/** A call-record id in a path or a gRPC request. */
export class CallRecordIdDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  id: string;
}
