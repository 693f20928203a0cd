import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { analyticsV1 } from '@platform/proto';
import { AnalyticsService } from './analytics.service';
import { outcomeFromProto, toCallRecordMessage } from './call-record.mapper';
import { CallRecordIdDto, ListCallRecordsQuery } from './dto/call-record.dto';
import { RecordCallGrpcDto, RecordCallsGrpcDto } from './dto/call-record-grpc.dto';

/** gRPC API of call records (`analytics.v1.AnalyticsService`); same validation and errors as REST. */
@Controller()
@analyticsV1.AnalyticsServiceControllerMethods()
export class AnalyticsGrpcController implements analyticsV1.AnalyticsServiceController {
  constructor(private readonly analytics: AnalyticsService) {}

  async recordCall(@Payload() request: RecordCallGrpcDto): Promise<analyticsV1.RecordCallResponse> {
    const record = await this.analytics.record({ ...request, outcome: outcomeFromProto(request.outcome) });
    return { record: toCallRecordMessage(record) };
  }

  async recordCalls(@Payload() { calls }: RecordCallsGrpcDto): Promise<analyticsV1.RecordCallsResponse> {
    const { recorded, duplicateCallIds } = await this.analytics.recordMany(
      calls.map((call) => ({ ...call, outcome: outcomeFromProto(call.outcome) })),
    );
    return { recorded: recorded.map(toCallRecordMessage), duplicateCallIds };
  }

  async getCallRecord(@Payload() { id }: CallRecordIdDto): Promise<analyticsV1.GetCallRecordResponse> {
    return { record: toCallRecordMessage(await this.analytics.get(id)) };
  }

  async listCallRecords(
    @Payload() request: ListCallRecordsQuery,
  ): Promise<analyticsV1.ListCallRecordsResponse> {
    const records = await this.analytics.list({
      buyerId: request.buyerId,
      from: request.from,
      to: request.to,
      limit: request.limit,
    });
    return { records: records.map(toCallRecordMessage) };
  }
}
