import { analyticsV1 } from '@platform/proto';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, ValidateNested, IsObject } from 'class-validator';
import { CallFieldsDto, MAX_BATCH_CALLS } from './call-record.dto';

const OUTCOME_VALUES = [1, 2, 3, 4];
const OUTCOME_MESSAGE = 'must be a CallOutcome other than CALL_OUTCOME_UNSPECIFIED';

/** gRPC `RecordCall`: the outcome is the proto enum number (0, the proto default, is rejected). */
export class RecordCallGrpcDto extends CallFieldsDto {
  @IsIn(OUTCOME_VALUES, { message: OUTCOME_MESSAGE })
  outcome: analyticsV1.CallOutcome;
}

/** gRPC `RecordCalls`. */
export class RecordCallsGrpcDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_CALLS)
  // ValidateNested passes an item that is itself an array (its elements are checked, not its shape).
  @IsObject({ each: true, message: 'each item must be an object' })
  @ValidateNested({ each: true })
  @Type(() => RecordCallGrpcDto)
  calls: RecordCallGrpcDto[];
}
