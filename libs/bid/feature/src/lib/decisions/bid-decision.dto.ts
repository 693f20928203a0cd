import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, Matches, ValidateNested } from 'class-validator';
import { IsEntityId, IsRfc3339 } from '@platform/service-kit';
import { IsBidAmount } from '../dto/bid.dto';

/** Most bids one request may carry. */
export const MAX_DECISION_BATCH = 1000;

/** What the decision needs to know of a call. */
export class CallAttributesDto {
  /** US state code of the caller, e.g. `CA`. */
  @Matches(/^[A-Z]{2}$/, { message: 'must be a two-letter US state code such as CA' })
  state: string;

  /** When the call takes place (RFC 3339); the state's calling hours are checked at this instant. */
  @IsRfc3339()
  time: string;

  /** The caller's number in E.164; when given, it is checked against the Do-Not-Call list. */
  @IsOptional()
  @Matches(/^\+[1-9]\d{6,14}$/, { message: 'must be an E.164 phone number such as +14155550100' })
  callerPhone?: string;
}

/** One bid to decide on. */
export class BidCandidateDto {
  @IsEntityId()
  callId: string;

  @IsEntityId()
  buyerId: string;

  @IsBidAmount()
  amountCents: number;

  @ValidateNested()
  @Type(() => CallAttributesDto)
  call: CallAttributesDto;
}

/** Body of `POST /bids/decisions`. */
export class DecideBidsDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_DECISION_BATCH)
  @ValidateNested({ each: true })
  @Type(() => BidCandidateDto)
  bids: BidCandidateDto[];
}
