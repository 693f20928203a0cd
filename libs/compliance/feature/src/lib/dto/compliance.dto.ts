import { Transform, Type } from 'class-transformer';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNotEmptyObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
  IsObject,
} from 'class-validator';
import { IsGreaterThanProperty, IsIanaTimeZone } from './validators';
import { normalizeE164 } from '../phone-hash';
import { ApiRfc3339, ApiUsState, emptyAsMissing, IsRfc3339, IsUsState } from '@platform/service-kit';

/** E.164: `+`, a non-zero country digit, 7 to 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;
const E164_MESSAGE = 'must be an E.164 phone number such as +14155550100';
const PHONE_HASH_PATTERN = /^[a-f0-9]{64}$/;
const PHONE_HASH_MESSAGE = 'must be a SHA-256 hash as 64 lowercase hex characters';
const MAX_INT32 = 2_147_483_647;

/** Normalises a typed number to E.164 (`+1 (415) 555-0100` → `+14155550100`); anything else is left for the validator. */
const toE164 = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? (normalizeE164(value) ?? value) : value;

/** Body of `POST /compliance/tcpa-rule-sets`. */
export class CreateTcpaRuleSetDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    minProperties: 1,
    example: { quietHours: { start: 21, end: 8 } },
    description: 'The rules, a JSON object with at least one key',
  })
  @IsNotEmptyObject({}, { message: 'must be a JSON object with at least one key' })
  rules: Record<string, unknown>;

  @ApiRfc3339()
  @IsRfc3339()
  effectiveFrom: string;

  @ApiPropertyOptional({ default: false, description: 'Make this version the active one' })
  @IsOptional()
  @IsBoolean()
  activate?: boolean;
}

/** A rule set version in a path or a gRPC request (≥ 1; gRPC's default 0 is rejected). */
export class TcpaVersionDto {
  // Only a path string is converted (gRPC sends a number): `Number()` of an object without a usable
  // `valueOf`/`toString` (one with a null prototype) throws a TypeError, a 500 instead of a 400.
  @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_INT32, example: 3 })
  @Transform(({ value }) => (typeof value === 'string' ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(MAX_INT32)
  version: number;
}

/** Body of `POST /compliance/dnc` and of gRPC `AddDncEntry`. */
export class AddDncEntryDto {
  @ApiProperty({
    pattern: E164_PATTERN.source,
    example: '+14155550100',
    description: 'E.164; spaces, dashes and brackets are removed',
  })
  @Transform(toE164)
  @IsString()
  @Matches(E164_PATTERN, { message: E164_MESSAGE })
  phoneNumber: string;

  @ApiProperty({
    minLength: 1,
    maxLength: 64,
    example: 'federal-dnc',
    description: 'Where the entry comes from',
  })
  @IsString()
  @Length(1, 64)
  source: string;

  @ApiRfc3339({ required: false, description: 'When the entry lapses; never when omitted' })
  @IsOptional()
  @Transform(emptyAsMissing)
  @IsRfc3339()
  expiresAt?: string;
}

/** A phone number in gRPC `CheckDnc`. */
export class CheckDncDto {
  @ApiProperty({
    pattern: E164_PATTERN.source,
    example: '+14155550100',
    description: 'E.164; spaces, dashes and brackets are removed',
  })
  @Transform(toE164)
  @IsString()
  @Matches(E164_PATTERN, { message: E164_MESSAGE })
  phoneNumber: string;
}

/**
 * Query of `GET /compliance/dnc/check`. An unencoded `+` in a query string means a space, so a leading
 * space before the digits is read back as the `+` the caller meant (`?phoneNumber=+1415…` works).
 */
export class CheckDncQuery {
  @ApiProperty({
    pattern: E164_PATTERN.source,
    example: '+14155550100',
    description: 'E.164; spaces, dashes and brackets are removed',
  })
  @Transform(({ value }) =>
    toE164({ value: typeof value === 'string' && /^ \d/.test(value) ? `+${value.slice(1)}` : value }),
  )
  @IsString()
  @Matches(E164_PATTERN, { message: E164_MESSAGE })
  phoneNumber: string;
}

/** One call to check (`POST /compliance/checks`, each item of a batch, gRPC `CheckCall`). */
export class CheckCallDto {
  @ApiProperty({
    pattern: E164_PATTERN.source,
    example: '+14155550100',
    description: 'E.164; spaces, dashes and brackets are removed',
  })
  @Transform(toE164)
  @IsString()
  @Matches(E164_PATTERN, { message: E164_MESSAGE })
  phoneNumber: string;

  @ApiUsState()
  @IsUsState()
  state: string;

  @ApiRfc3339({ required: false, description: 'When the call takes place; now when omitted' })
  @IsOptional()
  @Transform(emptyAsMissing)
  @IsRfc3339()
  at?: string;
}

/** Most checks in one batch. */
export const MAX_CHECK_BATCH = 1000;

/** Body of `POST /compliance/checks/batch` and of gRPC `CheckCallBatch`. */
export class CheckCallBatchDto {
  @ApiProperty({ type: () => [CheckCallDto], minItems: 1, maxItems: MAX_CHECK_BATCH })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CHECK_BATCH)
  // ValidateNested passes an item that is itself an array (its elements are checked, not its shape).
  @IsObject({ each: true, message: 'each item must be an object' })
  @ValidateNested({ each: true })
  @Type(() => CheckCallDto)
  checks: CheckCallDto[];
}

/** A phone hash in a path or a gRPC request. */
export class PhoneHashDto {
  @ApiProperty({ pattern: PHONE_HASH_PATTERN.source, description: 'SHA-256 as 64 lowercase hex characters' })
  @IsString()
  @Matches(PHONE_HASH_PATTERN, { message: PHONE_HASH_MESSAGE })
  phoneHash: string;
}

/** A state code in a path or a gRPC request. */
export class StateCodeDto {
  @ApiUsState()
  @IsUsState()
  state: string;
}

/** Body of `PUT /compliance/states/:state`: local calling window (end after start), zone, cap, consent. */
export class StateRuleDto {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: 23,
    example: 8,
    description: 'Local hour calls may start',
  })
  @IsInt()
  @Min(0)
  @Max(23)
  callingHoursStart: number;

  @IsInt()
  @Min(1)
  @Max(24)
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: 24,
    example: 21,
    description: 'Local hour calls must end by; after `callingHoursStart`',
  })
  @IsGreaterThanProperty('callingHoursStart')
  callingHoursEnd: number;

  @ApiProperty({ example: 'America/Los_Angeles', description: 'IANA time zone' })
  @IsString()
  @IsIanaTimeZone()
  timezone: string;

  @IsInt()
  @Min(0)
  @Max(1000)
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 1000, example: 3 })
  maxAttemptsPerDay: number;

  @ApiProperty({ description: 'Calls need prior express consent' })
  @IsBoolean()
  requiresConsent: boolean;
}
