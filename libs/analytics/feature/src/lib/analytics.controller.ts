import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { AnalyticsService } from './analytics.service';
import { CallRecordView, toCallRecordView } from './call-record.mapper';
import { CallRecordIdDto, ListCallRecordsQuery, RecordCallDto } from './dto/call-record.dto';

/** REST API of call records. */
@Controller('analytics/calls')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Post()
  async record(@Body() body: RecordCallDto): Promise<CallRecordView> {
    return toCallRecordView(await this.analytics.record(body));
  }

  @Get()
  async list(@Query() query: ListCallRecordsQuery): Promise<CallRecordView[]> {
    return (await this.analytics.list(query)).map(toCallRecordView);
  }

  @Get(':id')
  async get(@Param() { id }: CallRecordIdDto): Promise<CallRecordView> {
    return toCallRecordView(await this.analytics.get(id));
  }
}
