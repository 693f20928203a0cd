import { IsBoolean, IsIn, IsISO8601 } from 'class-validator';
import { StateRuleDto } from './compliance.dto';
import { US_STATE_CODES, US_STATE_MESSAGE } from '../us-states';
import { IsJsonObjectString } from './validators';

/** gRPC `CreateTcpaRuleSet`: the rules arrive as a JSON string; `activate` defaults to false. */
export class CreateTcpaRuleSetGrpcDto {
  @IsJsonObjectString()
  rulesJson: string;

  @IsISO8601({ strict: true })
  effectiveFrom: string;

  @IsBoolean()
  activate: boolean;
}

/** gRPC `UpsertStateRule`: the state code travels with the rule. */
export class UpsertStateRuleGrpcDto extends StateRuleDto {
  @IsIn(US_STATE_CODES, { message: US_STATE_MESSAGE })
  state: string;
}
