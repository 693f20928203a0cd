import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiEndpoint } from '@platform/service-kit';
import { CallRecordSchema, RecordedCallsSchema } from './analytics.openapi';
import { AnalyticsService } from './analytics.service';
import { CallRecordView, toCallRecordView } from './call-record.mapper';
import { CallRecordIdDto, ListCallRecordsQuery, RecordCallDto, RecordCallsDto } from './dto/call-record.dto';

/** REST API of call records. */
@Controller('analytics/calls')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Post()
  @ApiEndpoint({
    summary: 'Record a call',
    scope: 'analytics:write',
    status: 201,
    body: true,
    response: CallRecordSchema,
    errors: [409],
  })
  async record(@Body() body: RecordCallDto): Promise<CallRecordView> {
    return toCallRecordView(await this.analytics.record(body));
  }

  /** Idempotent by `callId`: 200 with the calls it recorded and the `callId`s that were already recorded. */
  @Post('batch')
  @ApiEndpoint({
    summary: 'Record up to 500 calls, idempotent by callId',
    scope: 'analytics:write',
    body: true,
    response: RecordedCallsSchema,
  })
  @HttpCode(200)
  async recordMany(
    @Body() { calls }: RecordCallsDto,
  ): Promise<{ recorded: CallRecordView[]; duplicateCallIds: string[] }> {
    const { recorded, duplicateCallIds } = await this.analytics.recordMany(calls);
    return { recorded: recorded.map(toCallRecordView), duplicateCallIds };
  }

  @Get()
  @ApiEndpoint({
    summary: 'List call records, newest first',
    scope: 'analytics:read',
    response: [CallRecordSchema],
  })
  async list(@Query() query: ListCallRecordsQuery): Promise<CallRecordView[]> {
    return (await this.analytics.list(query)).map(toCallRecordView);
  }

  @Get(':id')
  @ApiEndpoint({
    summary: 'One call record',
    scope: 'analytics:read',
    response: CallRecordSchema,
    errors: [404],
  })
  async get(@Param() { id }: CallRecordIdDto): Promise<CallRecordView> {
    return toCallRecordView(await this.analytics.get(id));
  }
}
