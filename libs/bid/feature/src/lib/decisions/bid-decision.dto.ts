import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, Matches, ValidateNested } from 'class-validator';
import { ApiEntityId, ApiRfc3339, IsEntityId, IsRfc3339 } from '@platform/service-kit';
import { ApiBidAmount, IsBidAmount } from '../dto/bid.dto';

/** Most bids one request may carry. */
export const MAX_DECISION_BATCH = 1000;

/** What the decision needs to know of a call. */
export class CallAttributesDto {
  /** US state code of the caller, e.g. `CA`. */
  @ApiProperty({ pattern: '^[A-Z]{2}$', example: 'CA' })
  @Matches(/^[A-Z]{2}$/, { message: 'must be a two-letter US state code such as CA' })
  state: string;

  /** When the call takes place (RFC 3339); the state's calling hours are checked at this instant. */
  @ApiRfc3339()
  @IsRfc3339()
  time: string;

  /** The caller's number in E.164; when given, it is checked against the Do-Not-Call list. */
  @ApiProperty({ required: false, pattern: '^\\+[1-9]\\d{6,14}$', example: '+14155550100' })
  @IsOptional()
  @Matches(/^\+[1-9]\d{6,14}$/, { message: 'must be an E.164 phone number such as +14155550100' })
  callerPhone?: string;
}

/** One bid to decide on. */
export class BidCandidateDto {
  @ApiEntityId({ example: 'call-1001' })
  @IsEntityId()
  callId: string;

  @ApiEntityId()
  @IsEntityId()
  buyerId: string;

  @ApiBidAmount()
  @IsBidAmount()
  amountCents: number;

  @ApiProperty({ type: () => CallAttributesDto })
  @ValidateNested()
  @Type(() => CallAttributesDto)
  call: CallAttributesDto;
}

/** Body of `POST /bids/decisions`. */
export class DecideBidsDto {
  @ApiProperty({ type: () => [BidCandidateDto], minItems: 1, maxItems: MAX_DECISION_BATCH })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_DECISION_BATCH)
  @ValidateNested({ each: true })
  @Type(() => BidCandidateDto)
  bids: BidCandidateDto[];
}
