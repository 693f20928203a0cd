import { IsBoolean, IsISO8601 } from 'class-validator';
import { StateRuleDto } from './compliance.dto';
import { IsJsonObjectString } from './validators';
import { IsUsState } from '@platform/service-kit';

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
  @IsUsState()
  state: string;
}
