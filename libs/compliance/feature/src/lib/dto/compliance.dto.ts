import { Transform, Type } from 'class-transformer';
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
} from 'class-validator';
import { IsGreaterThanProperty, IsIanaTimeZone } from './validators';
import { normalizeE164 } from '../phone-hash';
import { emptyAsMissing, IsRfc3339, IsUsState } from '@platform/service-kit';

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
  @IsNotEmptyObject({}, { message: 'must be a JSON object with at least one key' })
  rules: Record<string, unknown>;

  @IsRfc3339()
  effectiveFrom: string;

  @IsOptional()
  @IsBoolean()
  activate?: boolean;
}

/** A rule set version in a path or a gRPC request (≥ 1; gRPC's default 0 is rejected). */
export class TcpaVersionDto {
  // Only a path string is converted (gRPC sends a number): `Number()` of an object without a usable
  // `valueOf`/`toString` (one with a null prototype) throws a TypeError, a 500 instead of a 400.
  @Transform(({ value }) => (typeof value === 'string' ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(MAX_INT32)
  version: number;
}

/** Body of `POST /compliance/dnc` and of gRPC `AddDncEntry`. */
export class AddDncEntryDto {
  @Transform(toE164)
  @IsString()
  @Matches(E164_PATTERN, { message: E164_MESSAGE })
  phoneNumber: string;

  @IsString()
  @Length(1, 64)
  source: string;

  @IsOptional()
  @Transform(emptyAsMissing)
  @IsRfc3339()
  expiresAt?: string;
}

/** A phone number in gRPC `CheckDnc`. */
export class CheckDncDto {
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
  @Transform(({ value }) =>
    toE164({ value: typeof value === 'string' && /^ \d/.test(value) ? `+${value.slice(1)}` : value }),
  )
  @IsString()
  @Matches(E164_PATTERN, { message: E164_MESSAGE })
  phoneNumber: string;
}

/** One call to check (`POST /compliance/checks`, each item of a batch, gRPC `CheckCall`). */
export class CheckCallDto {
  @Transform(toE164)
  @IsString()
  @Matches(E164_PATTERN, { message: E164_MESSAGE })
  phoneNumber: string;

  @IsUsState()
  state: string;

  @IsOptional()
  @Transform(emptyAsMissing)
  @IsRfc3339()
  at?: string;
}

/** Most checks in one batch. */
export const MAX_CHECK_BATCH = 1000;

/** Body of `POST /compliance/checks/batch` and of gRPC `CheckCallBatch`. */
export class CheckCallBatchDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CHECK_BATCH)
  @ValidateNested({ each: true })
  @Type(() => CheckCallDto)
  checks: CheckCallDto[];
}

/** A phone hash in a path or a gRPC request. */
export class PhoneHashDto {
  @IsString()
  @Matches(PHONE_HASH_PATTERN, { message: PHONE_HASH_MESSAGE })
  phoneHash: string;
}

/** A state code in a path or a gRPC request. */
export class StateCodeDto {
  @IsUsState()
  state: string;
}

/** Body of `PUT /compliance/states/:state`: local calling window (end after start), zone, cap, consent. */
export class StateRuleDto {
  @IsInt()
  @Min(0)
  @Max(23)
  callingHoursStart: number;

  @IsInt()
  @Min(1)
  @Max(24)
  @IsGreaterThanProperty('callingHoursStart')
  callingHoursEnd: number;

  @IsString()
  @IsIanaTimeZone()
  timezone: string;

  @IsInt()
  @Min(0)
  @Max(1000)
  maxAttemptsPerDay: number;

  @IsBoolean()
  requiresConsent: boolean;
}
