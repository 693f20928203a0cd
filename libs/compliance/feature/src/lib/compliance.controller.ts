import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiEndpoint } from '@platform/service-kit';
import {
  CheckDecisionSchema,
  CheckDecisionsSchema,
  DncCheckSchema,
  DncEntrySchema,
  StateRuleSchema,
  TcpaRuleSetSchema,
} from './compliance.openapi';
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
  @ApiEndpoint({
    summary: 'Decide whether a call may be placed',
    description: 'DNC, TCPA quiet hours of the active version and the state’s calling window; audited.',
    scope: 'compliance:write',
    body: true,
    response: CheckDecisionSchema,
  })
  @HttpCode(200)
  async check(@Body() body: CheckCallDto): Promise<CheckDecisionView> {
    const [decision] = await this.checks.checkAndRecord([toCheckRequest(body)]);
    return toCheckDecisionView(decision);
  }

  /** Up to 1000 decisions, in order, audited. */
  @Post('checks/batch')
  @ApiEndpoint({
    summary: 'Decide up to 1000 calls, in order',
    scope: 'compliance:write',
    body: true,
    response: CheckDecisionsSchema,
  })
  @HttpCode(200)
  async checkBatch(@Body() body: CheckCallBatchDto): Promise<{ decisions: CheckDecisionView[] }> {
    const decisions = await this.checks.checkAndRecord(body.checks.map(toCheckRequest));
    return { decisions: decisions.map(toCheckDecisionView) };
  }

  @Post('tcpa-rule-sets')
  @ApiEndpoint({
    summary: 'Create a TCPA rule set version',
    scope: 'compliance:write',
    status: 201,
    body: true,
    response: TcpaRuleSetSchema,
    errors: [409],
  })
  async createTcpaRuleSet(@Body() body: CreateTcpaRuleSetDto): Promise<TcpaRuleSetView> {
    return this.compliance.createTcpaRuleSet(body);
  }

  // Declared before `:version` so that `active` is not read as a version.
  @Get('tcpa-rule-sets/active')
  @ApiEndpoint({
    summary: 'The active TCPA rule set',
    scope: 'compliance:read',
    noInput: true,
    response: TcpaRuleSetSchema,
    errors: [404],
  })
  async getActiveTcpaRuleSet(): Promise<TcpaRuleSetView> {
    return this.compliance.getActiveTcpaRuleSet();
  }

  @Get('tcpa-rule-sets/:version')
  @ApiEndpoint({
    summary: 'One TCPA rule set version',
    scope: 'compliance:read',
    response: TcpaRuleSetSchema,
    errors: [404],
  })
  async getTcpaRuleSet(@Param() { version }: TcpaVersionDto): Promise<TcpaRuleSetView> {
    return this.compliance.getTcpaRuleSet(version);
  }

  @Post('dnc')
  @ApiEndpoint({
    summary: 'Add a number to the do-not-call list',
    description: 'Stored as its hash only.',
    scope: 'compliance:write',
    status: 201,
    body: true,
    response: DncEntrySchema,
    errors: [409],
  })
  async addDncEntry(@Body() body: AddDncEntryDto): Promise<DncEntryView> {
    return toDncEntryView(await this.compliance.addDncEntry(body));
  }

  @Get('dnc/check')
  @ApiEndpoint({
    summary: 'Whether a number is on the do-not-call list',
    scope: 'compliance:read',
    response: DncCheckSchema,
  })
  checkDnc(@Query() { phoneNumber }: CheckDncQuery): Promise<DncCheckView> {
    return this.compliance.checkDnc(phoneNumber);
  }

  @Delete('dnc/:phoneHash')
  @ApiEndpoint({
    summary: 'Remove a number from the do-not-call list',
    scope: 'compliance:write',
    status: 204,
    errors: [404],
  })
  @HttpCode(204)
  async removeDncEntry(@Param() { phoneHash }: PhoneHashDto): Promise<void> {
    await this.compliance.removeDncEntry(phoneHash);
  }

  @Put('states/:state')
  @ApiEndpoint({
    summary: 'Create or replace a state’s calling rule',
    scope: 'compliance:write',
    body: true,
    response: StateRuleSchema,
    errors: [409],
  })
  async upsertStateRule(
    @Param() { state }: StateCodeDto,
    @Body() body: StateRuleDto,
  ): Promise<StateRuleView> {
    return this.compliance.upsertStateRule(state, body);
  }

  @Get('states/:state')
  @ApiEndpoint({
    summary: 'A state’s calling rule',
    scope: 'compliance:read',
    response: StateRuleSchema,
    errors: [404],
  })
  async getStateRule(@Param() { state }: StateCodeDto): Promise<StateRuleView> {
    return this.compliance.getStateRule(state);
  }
}
