import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { complianceV1 } from '@platform/proto';
import { ComplianceService } from './compliance.service';
import { ComplianceCheckService, toCheckRequest } from './compliance-check.service';
import {
  toCheckDecisionMessage,
  toDncEntryMessage,
  toStateRuleMessage,
  toTcpaRuleSetMessage,
} from './compliance.mapper';
import {
  AddDncEntryDto,
  CheckCallBatchDto,
  CheckCallDto,
  CheckDncDto,
  PhoneHashDto,
  StateCodeDto,
  TcpaVersionDto,
} from './dto/compliance.dto';
import { CreateTcpaRuleSetGrpcDto, UpsertStateRuleGrpcDto } from './dto/compliance-grpc.dto';
import { parseJsonObject } from './dto/validators';

/** gRPC API of compliance (`compliance.v1.ComplianceService`); same validation and errors as REST. */
@Controller()
@complianceV1.ComplianceServiceControllerMethods()
export class ComplianceGrpcController implements complianceV1.ComplianceServiceController {
  constructor(
    private readonly compliance: ComplianceService,
    private readonly checks: ComplianceCheckService,
  ) {}

  async checkCall(@Payload() request: CheckCallDto): Promise<complianceV1.CheckCallResponse> {
    const [decision] = await this.checks.checkAndRecord([toCheckRequest(request)]);
    return { decision: toCheckDecisionMessage(decision) };
  }

  async checkCallBatch(
    @Payload() { checks }: CheckCallBatchDto,
  ): Promise<complianceV1.CheckCallBatchResponse> {
    const decisions = await this.checks.checkAndRecord(checks.map(toCheckRequest));
    return { decisions: decisions.map(toCheckDecisionMessage) };
  }

  async createTcpaRuleSet(
    @Payload() request: CreateTcpaRuleSetGrpcDto,
  ): Promise<complianceV1.CreateTcpaRuleSetResponse> {
    const ruleSet = await this.compliance.createTcpaRuleSet({
      // Validated upstream (`rulesJson` is a JSON object), so this parse cannot fail.
      rules: parseJsonObject(request.rulesJson) ?? {},
      effectiveFrom: request.effectiveFrom,
      activate: request.activate,
    });
    return { ruleSet: toTcpaRuleSetMessage(ruleSet) };
  }

  async getTcpaRuleSet(@Payload() { version }: TcpaVersionDto): Promise<complianceV1.GetTcpaRuleSetResponse> {
    return { ruleSet: toTcpaRuleSetMessage(await this.compliance.getTcpaRuleSet(version)) };
  }

  async getActiveTcpaRuleSet(): Promise<complianceV1.GetActiveTcpaRuleSetResponse> {
    return { ruleSet: toTcpaRuleSetMessage(await this.compliance.getActiveTcpaRuleSet()) };
  }

  async addDncEntry(@Payload() request: AddDncEntryDto): Promise<complianceV1.AddDncEntryResponse> {
    return { entry: toDncEntryMessage(await this.compliance.addDncEntry(request)) };
  }

  /** From Postgres, not the cache: peers keep copies (see `ComplianceService.checkDncCommitted`). */
  async checkDnc(@Payload() { phoneNumber }: CheckDncDto): Promise<complianceV1.CheckDncResponse> {
    const { listed, phoneHash, until } = await this.compliance.checkDncCommitted(phoneNumber);
    return { listed, phoneHash, listedUntil: until === null ? '' : new Date(until).toISOString() };
  }

  async removeDncEntry(@Payload() { phoneHash }: PhoneHashDto): Promise<complianceV1.RemoveDncEntryResponse> {
    await this.compliance.removeDncEntry(phoneHash);
    return {};
  }

  async upsertStateRule(
    @Payload() { state, ...values }: UpsertStateRuleGrpcDto,
  ): Promise<complianceV1.UpsertStateRuleResponse> {
    return { stateRule: toStateRuleMessage(await this.compliance.upsertStateRule(state, values)) };
  }

  /** From Postgres, not the cache: peers keep copies (see `ComplianceService.getStateRuleCommitted`). */
  async getStateRule(@Payload() { state }: StateCodeDto): Promise<complianceV1.GetStateRuleResponse> {
    return { stateRule: toStateRuleMessage(await this.compliance.getStateRuleCommitted(state)) };
  }
}
