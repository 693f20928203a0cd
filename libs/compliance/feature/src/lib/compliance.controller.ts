import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ComplianceService } from './compliance.service';
import {
  CheckDecisionView,
  DncCheckView,
  DncEntryView,
  StateRuleView,
  TcpaRuleSetView,
  toCheckDecisionView,
  toDncEntryView,
} from './compliance.mapper';
import { ComplianceCheckService, toCheckRequest } from './compliance-check.service';
import {
  AddDncEntryDto,
  CheckCallBatchDto,
  CheckCallDto,
  CheckDncQuery,
  CreateTcpaRuleSetDto,
  PhoneHashDto,
  StateCodeDto,
  StateRuleDto,
  TcpaVersionDto,
} from './dto/compliance.dto';

/** REST API of TCPA rule sets, the do-not-call list and state rules. */
@Controller('compliance')
export class ComplianceController {
  constructor(
    private readonly compliance: ComplianceService,
    private readonly checks: ComplianceCheckService,
  ) {}

  /** One call's decision (DNC, TCPA quiet hours of the active version, the state's calling window), audited. */
  @Post('checks')
  @HttpCode(200)
  async check(@Body() body: CheckCallDto): Promise<CheckDecisionView> {
    const [decision] = await this.checks.checkAndRecord([toCheckRequest(body)]);
    return toCheckDecisionView(decision);
  }

  /** Up to 1000 decisions, in order, audited. */
  @Post('checks/batch')
  @HttpCode(200)
  async checkBatch(@Body() body: CheckCallBatchDto): Promise<{ decisions: CheckDecisionView[] }> {
    const decisions = await this.checks.checkAndRecord(body.checks.map(toCheckRequest));
    return { decisions: decisions.map(toCheckDecisionView) };
  }

  @Post('tcpa-rule-sets')
  async createTcpaRuleSet(@Body() body: CreateTcpaRuleSetDto): Promise<TcpaRuleSetView> {
    return this.compliance.createTcpaRuleSet(body);
  }

  // Declared before `:version` so that `active` is not read as a version.
  @Get('tcpa-rule-sets/active')
  async getActiveTcpaRuleSet(): Promise<TcpaRuleSetView> {
    return this.compliance.getActiveTcpaRuleSet();
  }

  @Get('tcpa-rule-sets/:version')
  async getTcpaRuleSet(@Param() { version }: TcpaVersionDto): Promise<TcpaRuleSetView> {
    return this.compliance.getTcpaRuleSet(version);
  }

  @Post('dnc')
  async addDncEntry(@Body() body: AddDncEntryDto): Promise<DncEntryView> {
    return toDncEntryView(await this.compliance.addDncEntry(body));
  }

  @Get('dnc/check')
  checkDnc(@Query() { phoneNumber }: CheckDncQuery): Promise<DncCheckView> {
    return this.compliance.checkDnc(phoneNumber);
  }

  @Delete('dnc/:phoneHash')
  @HttpCode(204)
  async removeDncEntry(@Param() { phoneHash }: PhoneHashDto): Promise<void> {
    await this.compliance.removeDncEntry(phoneHash);
  }

  @Put('states/:state')
  async upsertStateRule(
    @Param() { state }: StateCodeDto,
    @Body() body: StateRuleDto,
  ): Promise<StateRuleView> {
    return this.compliance.upsertStateRule(state, body);
  }

  @Get('states/:state')
  async getStateRule(@Param() { state }: StateCodeDto): Promise<StateRuleView> {
    return this.compliance.getStateRule(state);
  }
}
