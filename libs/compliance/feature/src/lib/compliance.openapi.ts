import { ApiProperty } from '@nestjs/swagger';
import type { CheckReason } from './check-decision';

const PHONE_HASH = { pattern: '^[a-f0-9]{64}$', description: 'SHA-256 (peppered) of the E.164 number' };

/** Every {@link CheckReason}; `satisfies` makes a new reason a compile error here until it is listed. */
const CHECK_REASONS = Object.keys({
  DNC_LISTED: true,
  NO_ACTIVE_TCPA_RULES: true,
  TCPA_QUIET_HOURS: true,
  OUTSIDE_STATE_CALLING_HOURS: true,
} satisfies Record<CheckReason, true>);

/** OpenAPI schema of a TCPA rule set. */
export class TcpaRuleSetSchema {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: 'integer', minimum: 1 })
  version!: number;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { quietHours: { start: 21, end: 8 } } })
  rules!: Record<string, unknown>;

  @ApiProperty({ format: 'date-time' })
  effectiveFrom!: string;

  @ApiProperty({ description: 'The version checks use' })
  active!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

/** OpenAPI schema of a do-not-call entry (the hash only, never the number). */
export class DncEntrySchema {
  @ApiProperty(PHONE_HASH)
  phoneHash!: string;

  @ApiProperty({ example: 'federal-dnc' })
  source!: string;

  @ApiProperty({ format: 'date-time' })
  addedAt!: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  expiresAt!: string | null;
}

/** Answer of `GET /compliance/dnc/check`. */
export class DncCheckSchema {
  @ApiProperty()
  listed!: boolean;

  @ApiProperty(PHONE_HASH)
  phoneHash!: string;
}

/** OpenAPI schema of a state's calling rule. */
export class StateRuleSchema {
  @ApiProperty({ example: 'CA' })
  state!: string;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: 23, example: 8 })
  callingHoursStart!: number;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 24, example: 21 })
  callingHoursEnd!: number;

  @ApiProperty({ example: 'America/Los_Angeles' })
  timezone!: string;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: 1000 })
  maxAttemptsPerDay!: number;

  @ApiProperty()
  requiresConsent!: boolean;

  @ApiProperty({ type: 'integer', minimum: 1 })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

/** A call check's decision, as audited. */
export class CheckDecisionSchema {
  @ApiProperty(PHONE_HASH)
  phoneHash!: string;

  @ApiProperty()
  allowed!: boolean;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'The TCPA version the check used; null: none active',
  })
  ruleVersion!: number | null;

  @ApiProperty({
    enum: CHECK_REASONS,
    isArray: true,
    description: 'Why the call is refused; empty if allowed',
  })
  reasons!: string[];

  @ApiProperty({ example: 'CA' })
  state!: string;

  @ApiProperty({ format: 'date-time' })
  checkedAt!: string;
}

/** Body of `POST /compliance/checks/batch`. */
export class CheckDecisionsSchema {
  @ApiProperty({ type: [CheckDecisionSchema], description: 'One per check, in request order' })
  decisions!: CheckDecisionSchema[];
}
