import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { US_STATE_CODES } from '@platform/contracts';
import { ENTITY_ID_MAX_LENGTH, ENTITY_ID_PATTERN, MAX_PAGE_LIMIT } from '../validation/validators';

/** What a field adds to the shared rule's documentation. */
interface Extra {
  description?: string;
  example?: unknown;
  /** `false` for an optional field. */
  required?: boolean;
}

const property = (options: ApiPropertyOptions): PropertyDecorator =>
  options.required === false ? ApiPropertyOptional(options) : ApiProperty(options);

/** Documents an `@IsEntityId()` field: 1–64 characters of letters, digits and `. _ : -`. */
export const ApiEntityId = (extra: Extra = {}): PropertyDecorator =>
  property({
    type: 'string',
    minLength: 1,
    maxLength: ENTITY_ID_MAX_LENGTH,
    pattern: ENTITY_ID_PATTERN.source,
    example: 'buyer-42',
    ...extra,
  });

/** Documents an `@IsRfc3339()` field: a date-time with an offset. */
export const ApiRfc3339 = (extra: Extra = {}): PropertyDecorator =>
  property({ type: 'string', format: 'date-time', example: '2026-12-05T14:30:00Z', ...extra });

/** Documents an `@IsUsState()` field: one of the 50 states + DC. */
export const ApiUsState = (extra: Extra = {}): PropertyDecorator =>
  property({ type: 'string', enum: [...US_STATE_CODES], example: 'CA', ...extra });

/** Documents a `@PageLimit()` query field: an optional page size 1..{@link MAX_PAGE_LIMIT}. */
export const ApiPageLimit = (extra: Extra = {}): PropertyDecorator =>
  ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_LIMIT,
    description: `Page size, 1–${MAX_PAGE_LIMIT}; the endpoint's default when omitted`,
    example: 50,
    ...extra,
  });
