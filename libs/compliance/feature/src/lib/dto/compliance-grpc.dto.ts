import { IsBoolean } from 'class-validator';
import { StateRuleDto } from './compliance.dto';
import { IsJsonObjectString } from './validators';
import { IsRfc3339, IsUsState } from '@platform/service-kit';

/** gRPC `CreateTcpaRuleSet`: the rules arrive as a JSON string; `activate` defaults to false. */
export class CreateTcpaRuleSetGrpcDto {
  @IsJsonObjectString()
  rulesJson: string;

  @IsRfc3339()
  effectiveFrom: string;

  @IsBoolean()
  activate: boolean;
}

/** gRPC `UpsertStateRule`: the state code travels with the rule. */
export class UpsertStateRuleGrpcDto extends StateRuleDto {
  @IsUsState()
  state: string;
}
