import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One rejected input field of a 400, as the exception filter sends it. */
export class FieldErrorSchema {
  @ApiProperty({ description: 'Dotted path of the field', example: 'amountCents' })
  field!: string;

  @ApiProperty({ description: 'Why it was rejected', example: 'must not be greater than 10000000' })
  message!: string;
}

/**
 * The error body every REST route answers with (`AppExceptionFilter`): the status again, a stable code
 * (`VALIDATION.FAILED`, `BID.NOT_FOUND`, `DEPENDENCY.UNAVAILABLE`, `HTTP.413` …), a message and, on a 400
 * from validation, the fields and why each was refused.
 */
export class ProblemSchema {
  @ApiProperty({ type: 'integer', description: 'HTTP status, repeated', example: 400 })
  statusCode!: number;

  @ApiProperty({ description: 'Stable, machine-readable code', example: 'VALIDATION.FAILED' })
  code!: string;

  @ApiProperty({
    description: 'What went wrong, for people',
    example: 'Invalid input: amountCents is required',
  })
  message!: string;

  @ApiPropertyOptional({
    type: [FieldErrorSchema],
    description: 'On a validation failure: each rejected field and why',
  })
  fields?: FieldErrorSchema[];
}
