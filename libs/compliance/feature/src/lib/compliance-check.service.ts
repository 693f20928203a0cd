import { Injectable } from '@nestjs/common';
import type { StateRuleView, TcpaRuleSetView } from './compliance.mapper';
import { ComplianceService, DncStatus, isListed, NOT_LISTED } from './compliance.service';
import { DncMembership } from './dnc/dnc-membership.service';
import { ComplianceCacheKeys } from './cache/compliance-cache.keys';
import { PhoneHasher } from './phone-hash';
import { CheckAuditWriter } from './audit/check-audit.writer';
import type { CheckDecision, CheckReason } from './check-decision';

/** One call to check: the callee's E.164 number, the callee's state, and when the call would be placed. */
export interface CheckRequest {
  phoneNumber: string;
  state: string;
  /** Epoch ms; default now. */
  at?: number;
}

/** A validated check DTO (`at` as RFC 3339) → {@link CheckRequest}. */
export const toCheckRequest = (dto: {
  phoneNumber: string;
  state: string;
  at?: string | null;
}): CheckRequest => ({
  phoneNumber: dto.phoneNumber,
  state: dto.state,
  // `@IsOptional()` lets JSON `null` through unvalidated: like an omitted `at`, it means now (parsing it
  // gave NaN, and the hour lookup then threw a 500).
  at: dto.at === undefined || dto.at === null ? undefined : Date.parse(dto.at),
});

const hourFormats = new Map<string, Intl.DateTimeFormat>();
/** Per zone, the last 15-minute UTC bucket asked for and its local hour (every UTC offset is a multiple of 15 min). */
const lastHour = new Map<string, { bucket: number; hour: number }>();
const QUARTER_HOUR_MS = 15 * 60 * 1000;

/**
 * The local hour (0..23) of `at` in `timeZone`. Formatting a date costs microseconds, so the answer is kept
 * per zone for the current quarter hour, within which no zone's local hour can change.
 */
export function localHour(at: number, timeZone: string): number {
  const bucket = Math.floor(at / QUARTER_HOUR_MS);
  const last = lastHour.get(timeZone);
  if (last !== undefined && last.bucket === bucket) return last.hour;
  let format = hourFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', hourCycle: 'h23' });
    hourFormats.set(timeZone, format);
  }
  const hour = Number(format.format(at));
  lastHour.set(timeZone, { bucket, hour });
  return hour;
}

/** Whether `hour` falls in `[from, to)`, wrapping past midnight when `from > to` (quiet hours 21 → 8). */
const inWindow = (hour: number, from: number, to: number) =>
  from <= to ? hour >= from && hour < to : hour >= from || hour < to;

/** The TCPA quiet hours of a rule set (`rules.quietHours: [from, to]`), or undefined. */
const quietHoursOf = (ruleSet: TcpaRuleSetView): [number, number] | undefined => {
  const quiet = ruleSet.rules['quietHours'];
  return Array.isArray(quiet) && typeof quiet[0] === 'number' && typeof quiet[1] === 'number'
    ? [quiet[0], quiet[1]]
    : undefined;
};

/**
 * Decides one check from the four inputs it reads, all pinned before: the TCPA version (read once from the
 * pointer), that version's immutable rule set, the state's rule and the number's DNC status.
 */
export function decide(inputs: {
  phoneHash: string;
  state: string;
  at: number;
  version: number | null;
  ruleSet: TcpaRuleSetView | null;
  stateRule: StateRuleView | null;
  dnc: DncStatus;
}): CheckDecision {
  const reasons: CheckReason[] = [];
  if (isListed(inputs.dnc, inputs.at)) reasons.push('DNC_LISTED');
  const zone = inputs.stateRule?.timezone ?? 'UTC';
  const hour = localHour(inputs.at, zone);
  if (inputs.ruleSet === null) reasons.push('NO_ACTIVE_TCPA_RULES');
  else {
    const quiet = quietHoursOf(inputs.ruleSet);
    if (quiet && inWindow(hour, quiet[0], quiet[1])) reasons.push('TCPA_QUIET_HOURS');
  }
  const rule = inputs.stateRule;
  if (rule && !inWindow(hour, rule.callingHoursStart, rule.callingHoursEnd)) {
    reasons.push('OUTSIDE_STATE_CALLING_HOURS');
  }
  return {
    phoneHash: inputs.phoneHash,
    allowed: reasons.length === 0,
    ruleVersion: inputs.ruleSet ? inputs.version : null,
    reasons,
    state: inputs.state,
    checkedAt: inputs.at,
  };
}

/**
 * The compliance check engine. `peekCheck` answers synchronously from L1 (`cache.peek`) when every input is
 * there: the in-process hot path; the DNC input of a number the membership filter rules out needs no read. `check` falls back to the cache's loaders (L2, then Postgres, coalesced)
 * for what L1 lacks. Either way the TCPA version is read once, from `compliance:tcpa:active`, and the
 * check then reads only `compliance:tcpa:v{version}`: a version published mid-check cannot leak into it.
 */
@Injectable()
export class ComplianceCheckService {
  constructor(
    private readonly compliance: ComplianceService,
    private readonly phones: PhoneHasher,
    private readonly audit: CheckAuditWriter,
    private readonly membership: DncMembership,
  ) {}

  /** The decision from L1 alone, or undefined when an input is not in this process's L1. */
  peekCheck(request: CheckRequest): CheckDecision | undefined {
    const version = this.compliance.peek<number | null>(ComplianceCacheKeys.tcpaActive());
    if (version === undefined) return undefined;
    const ruleSet =
      version === null
        ? null
        : this.compliance.peek<TcpaRuleSetView | null>(ComplianceCacheKeys.tcpa(version));
    if (ruleSet === undefined) return undefined;
    const stateRule = this.compliance.peek<StateRuleView | null>(ComplianceCacheKeys.state(request.state));
    if (stateRule === undefined) return undefined;
    const phoneHash = this.phones.hash(request.phoneNumber);
    // A number the membership filter rules out is not listed: no DNC entry is read, none is cached.
    const dnc = this.membership.mayBeListed(phoneHash)
      ? this.compliance.peek<DncStatus>(ComplianceCacheKeys.dnc(phoneHash))
      : NOT_LISTED;
    if (dnc === undefined) return undefined;
    return decide({
      phoneHash,
      state: request.state,
      at: request.at ?? Date.now(),
      version,
      ruleSet,
      stateRule,
      dnc,
    });
  }

  /** The decision: from L1 when it can, else through the cache's loaders. */
  async check(request: CheckRequest): Promise<CheckDecision> {
    const fast = this.peekCheck(request);
    if (fast !== undefined) return fast;
    const version = await this.compliance.activeTcpaVersion();
    const phoneHash = this.phones.hash(request.phoneNumber);
    const [ruleSet, stateRule, dnc] = await Promise.all([
      version === null ? null : this.compliance.findTcpaRuleSet(version),
      this.compliance.findStateRule(request.state),
      this.compliance.dncStatus(phoneHash),
    ]);
    return decide({
      phoneHash,
      state: request.state,
      at: request.at ?? Date.now(),
      version,
      ruleSet,
      stateRule,
      dnc,
    });
  }

  /** Decisions for many checks, in order. */
  checkMany(requests: readonly CheckRequest[]): Promise<CheckDecision[]> {
    return Promise.all(requests.map((request) => this.check(request)));
  }

  /**
   * Decisions for the endpoints: decided, then queued for the audit trail (written off the request path);
   * refused with `AUDIT.BACKLOG_FULL` rather than answered when the trail cannot take them.
   */
  async checkAndRecord(requests: readonly CheckRequest[]): Promise<CheckDecision[]> {
    const decisions = await this.checkMany(requests);
    this.audit.append(decisions);
    return decisions;
  }
}
