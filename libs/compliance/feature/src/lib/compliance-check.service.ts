import { Injectable } from '@nestjs/common';
import type { StateRuleView, TcpaRuleSetView } from './compliance.mapper';
import { ComplianceService, DncStatus, isListed, NOT_LISTED } from './compliance.service';
import { DncMembership } from './dnc/dnc-membership.service';
import { ValidationFailedError } from '@platform/service-kit';
import { ComplianceCacheKeys, inComplianceNamespace } from './cache/compliance-cache.keys';
import { PhoneHasher } from './phone-hash';
import { CheckAuditWriter } from './audit/check-audit.writer';
import { type CheckBatch, type CheckDecision, CheckReasonBit, NOT_IN_L1, reasonsOf } from './check-decision';

/** One call to check: the callee's E.164 number, the callee's state, and when the call would be placed. */
export interface CheckRequest {
  phoneNumber: string;
  state: string;
  /** Epoch ms; default now. */
  at?: number;
}

/**
 * One check by the number's keyed hash: for callers that already hold it (compliance's HMAC-SHA256 of the
 * E.164 number under the pepper, 64 lowercase hex characters, as `@platform/config`'s `hmacPhoneNumber`
 * computes it), so the check does not pay for hashing again.
 */
export interface HashedCheckRequest {
  phoneHash: string;
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

/**
 * The TCPA side of a check, pinned once: the version read from the pointer, its rule set and the rule set's
 * quiet hours (read out of `rules` once per rule set rather than once per check).
 */
interface PinnedTcpa {
  /** The decision's `ruleVersion`: the version, or null when no rule set is active (or it is missing). */
  ruleVersion: number | null;
  ruleSet: TcpaRuleSetView | null;
  /** `rules.quietHours`, or from = to = 0 (an empty window) when the rule set has none. */
  quietFrom: number;
  quietTo: number;
}

const NO_TCPA: PinnedTcpa = Object.freeze({ ruleVersion: null, ruleSet: null, quietFrom: 0, quietTo: 0 });

const pinTcpa = (version: number | null, ruleSet: TcpaRuleSetView | null): PinnedTcpa => {
  if (ruleSet === null) return NO_TCPA;
  const quiet = ruleSet.rules['quietHours'];
  const valid = Array.isArray(quiet) && typeof quiet[0] === 'number' && typeof quiet[1] === 'number';
  return {
    ruleVersion: version,
    ruleSet,
    quietFrom: valid ? (quiet[0] as number) : 0,
    quietTo: valid ? (quiet[1] as number) : 0,
  };
};

/**
 * The reason bits of one decision from its pinned inputs: listed or not, the local hour of the call in the
 * state's zone, the TCPA version and the state's rule.
 */
function decisionCode(
  listed: boolean,
  hour: number,
  tcpa: PinnedTcpa,
  stateRule: StateRuleView | null,
): number {
  let code = listed ? CheckReasonBit.DNC_LISTED : 0;
  if (tcpa.ruleSet === null) code |= CheckReasonBit.NO_ACTIVE_TCPA_RULES;
  else if (tcpa.quietFrom !== tcpa.quietTo && inWindow(hour, tcpa.quietFrom, tcpa.quietTo)) {
    code |= CheckReasonBit.TCPA_QUIET_HOURS;
  }
  if (stateRule !== null && !inWindow(hour, stateRule.callingHoursStart, stateRule.callingHoursEnd)) {
    code |= CheckReasonBit.OUTSIDE_STATE_CALLING_HOURS;
  }
  return code;
}

/**
 * Decides one check from its pinned inputs: the TCPA version and rule set (read once from the pointer), the
 * state's rule and the number's DNC status, at `at`.
 */
function decideOne(
  tcpa: PinnedTcpa,
  stateRule: StateRuleView | null,
  dnc: DncStatus,
  check: { phoneHash: string; state: string; at: number },
): CheckDecision {
  const hour = localHour(check.at, stateRule?.timezone ?? 'UTC');
  const code = decisionCode(isListed(dnc, check.at), hour, tcpa, stateRule);
  return toDecision(check.phoneHash, check.state, check.at, tcpa.ruleVersion, code);
}

const toDecision = (
  phoneHash: string,
  state: string,
  at: number,
  ruleVersion: number | null,
  code: number,
): CheckDecision => ({
  phoneHash,
  allowed: code === 0,
  ruleVersion,
  reasons: reasonsOf(code),
  state,
  checkedAt: at,
});

/**
 * The decision of check `index` of a {@link CheckBatch} answered for `requests`, or undefined when it was
 * not decided ({@link NOT_IN_L1}).
 */
export function batchDecision(
  requests: readonly HashedCheckRequest[],
  batch: CheckBatch,
  index: number,
): CheckDecision | undefined {
  const code = batch.codes[index];
  if (code === NOT_IN_L1) return undefined;
  const request = requests[index];
  return toDecision(request.phoneHash, request.state, request.at ?? batch.checkedAt, batch.ruleVersion, code);
}

/**
 * Whether `value` has the form of compliance's keyed phone hash (64 lowercase hex characters). Checked on
 * every hash handed to the loading path (`checkBatch`), whose misses become Postgres queries and L2 keys.
 */
export function isPhoneHash(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || (c > 57 && c < 97) || c > 102) return false;
  }
  return true;
}

/**
 * The check of a hash on the L1-only paths: a string of the hash's length. They only read L1 (nothing is
 * stored, loaded or logged), and no phone number in any written form is 64 characters long, so a raw
 * number can never become a key; checking every character too cost more than the rest of a check
 * (about 300 ns for 64 `charCodeAt`s on the bench machine, against a 200 ns budget).
 */
const hasHashLength = (value: unknown): value is string => typeof value === 'string' && value.length === 64;

/** The 400 for a hash that is not one; names the field, never echoes the value. */
const badHash = (field: string) =>
  new ValidationFailedError([
    { field, message: 'must be the keyed phone hash: 64 lowercase hexadecimal characters' },
  ]);

/** The pointer's key in the namespace's form, built once (see `ComplianceService.peekInNamespace`). */
const POINTER_KEY = inComplianceNamespace(ComplianceCacheKeys.tcpaActive());
/** How many state keys are remembered (there are about 60 states and territories; a bound all the same). */
const STATE_KEYS_MAX = 1024;

/** A state of a batch: its rule (undefined: not in L1) and the last local hour computed for its zone. */
interface StateSlot {
  rule: StateRuleView | null | undefined;
  zone: string;
  at: number;
  hour: number;
}

/**
 * The compliance check engine. `peekCheck` answers synchronously from L1 (`cache.peek`) when every input is
 * there: the in-process hot path; the DNC input of a number the membership filter rules out needs no read.
 * `check` falls back to the cache's loaders (L2, then Postgres, coalesced) for what L1 lacks. Either way
 * the TCPA version is read once, from `compliance:tcpa:active`, and the check then reads only
 * `compliance:tcpa:v{version}`: a version published mid-check cannot leak into it.
 *
 * Callers that hold the number's keyed hash check by hash (`peekCheckHashed`), skipping the HMAC that is
 * most of a raw number's check; `peekCheckBatch` pins the version and rule set once per batch, resolves each
 * distinct state once, and per number probes only the membership filter (and the exact DNC entry when the
 * filter says maybe). Every read is the cache's `peek`, so invalidations and TTLs apply as they do to one
 * check; only key strings and the parsed quiet hours of a rule set object are remembered here.
 */
@Injectable()
export class ComplianceCheckService {
  /** Namespaced state keys by state, so a peek passes a string whose hash is already computed. */
  private readonly stateKeys = new Map<string, string>();
  private lastVersion = -1;
  private lastVersionKey = '';
  /** The last rule set pinned and what was read out of it (rule set views are immutable per version). */
  private lastPinned: PinnedTcpa = NO_TCPA;

  constructor(
    private readonly compliance: ComplianceService,
    private readonly phones: PhoneHasher,
    private readonly audit: CheckAuditWriter,
    private readonly membership: DncMembership,
  ) {}

  /** The decision from L1 alone, or undefined when an input is not in this process's L1. Hashes the number. */
  peekCheck(request: CheckRequest): CheckDecision | undefined {
    return this.peekHashed(this.phones.hash(request.phoneNumber), request.state, request.at);
  }

  /**
   * {@link peekCheck} for a caller that already holds the number's keyed hash: the same reads and the same
   * answer, without the HMAC. Throws `VALIDATION.FAILED` (naming `phoneHash`) for a value that is not a
   * string of a hash's length (64); that it is compliance's keyed hash is the caller's part.
   */
  peekCheckHashed(request: HashedCheckRequest): CheckDecision | undefined {
    if (!hasHashLength(request.phoneHash)) throw badHash('phoneHash');
    return this.peekHashed(request.phoneHash, request.state, request.at);
  }

  /**
   * Many checks by hash from L1 alone, with one TCPA version: the pointer and its rule set are read once for
   * the batch (as one check reads them once), each distinct state's rule once, and per number only the
   * membership filter is probed (plus the exact DNC entry when it says maybe). Undefined when the pointer or
   * its rule set is not in L1; a check whose state or DNC entry is not gets {@link NOT_IN_L1}. No object is
   * made per check; {@link batchDecision} turns a code into a decision. Throws `VALIDATION.FAILED` naming
   * `[i].phoneHash` for a value that is not a string of a hash's length.
   */
  peekCheckBatch(requests: readonly HashedCheckRequest[]): CheckBatch | undefined {
    const tcpa = this.peekTcpa();
    if (tcpa === undefined) return undefined;
    const checkedAt = Date.now();
    const codes = new Uint8Array(requests.length);
    const slots = new Map<string, StateSlot>();
    let lastState: string | undefined;
    let slot: StateSlot | undefined;
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i];
      const phoneHash = request.phoneHash;
      if (!hasHashLength(phoneHash)) throw badHash(`[${i}].phoneHash`);
      if (request.state !== lastState || slot === undefined) {
        lastState = request.state;
        slot = slots.get(lastState);
        if (slot === undefined) {
          const rule = this.compliance.peekInNamespace<StateRuleView | null>(this.stateKey(lastState));
          slot = { rule, zone: rule?.timezone ?? 'UTC', at: NaN, hour: 0 };
          slots.set(lastState, slot);
        }
      }
      const rule = slot.rule;
      if (rule === undefined) {
        codes[i] = NOT_IN_L1;
        continue;
      }
      const at = request.at ?? checkedAt;
      let listed = false;
      if (this.membership.mayBeListed(phoneHash)) {
        const dnc = this.peekDnc(phoneHash);
        if (dnc === undefined) {
          codes[i] = NOT_IN_L1;
          continue;
        }
        listed = isListed(dnc, at);
      }
      if (at !== slot.at) {
        slot.at = at;
        slot.hour = localHour(at, slot.zone);
      }
      codes[i] = decisionCode(listed, slot.hour, tcpa, rule);
    }
    return { ruleVersion: tcpa.ruleVersion, codes, checkedAt };
  }

  /** The decision: from L1 when it can, else through the cache's loaders. */
  async check(request: CheckRequest): Promise<CheckDecision> {
    const [decision] = await this.checkMany([request]);
    return decision;
  }

  /** Decisions for many checks, in order, all with one TCPA version (see {@link checkBatch}). */
  checkMany(requests: readonly CheckRequest[]): Promise<CheckDecision[]> {
    const hashed = new Array<HashedCheckRequest>(requests.length);
    for (let i = 0; i < requests.length; i++) {
      const { phoneNumber, state, at } = requests[i];
      hashed[i] = { phoneHash: this.phones.hash(phoneNumber), state, at };
    }
    return this.resolveBatch(hashed);
  }

  /**
   * Decisions for many checks by hash, in order: from L1 what it holds, the rest through the cache's
   * loaders (L2, then Postgres, coalesced). The version is pinned once, before anything is awaited, and the
   * whole batch is decided with it: a version published while a load is waited on is not mixed in (the
   * spec's "a check pins the version it started with", for the batch as one check).
   */
  checkBatch(requests: readonly HashedCheckRequest[]): Promise<CheckDecision[]> {
    for (let i = 0; i < requests.length; i++) {
      if (!isPhoneHash(requests[i].phoneHash)) return Promise.reject(badHash(`[${i}].phoneHash`));
    }
    return this.resolveBatch(requests);
  }

  /**
   * Decisions for the endpoints: decided (one version per request), then queued for the audit trail
   * (written off the request path); refused with `AUDIT.BACKLOG_FULL` rather than answered when the trail
   * cannot take them.
   */
  async checkAndRecord(requests: readonly CheckRequest[]): Promise<CheckDecision[]> {
    const decisions = await this.checkMany(requests);
    this.audit.append(decisions);
    return decisions;
  }

  private peekHashed(phoneHash: string, state: string, at: number | undefined): CheckDecision | undefined {
    const tcpa = this.peekTcpa();
    if (tcpa === undefined) return undefined;
    const stateRule = this.compliance.peekInNamespace<StateRuleView | null>(this.stateKey(state));
    if (stateRule === undefined) return undefined;
    // A number the membership filter rules out is not listed: no DNC entry is read, none is cached.
    const dnc = this.membership.mayBeListed(phoneHash) ? this.peekDnc(phoneHash) : NOT_LISTED;
    if (dnc === undefined) return undefined;
    return decideOne(tcpa, stateRule, dnc, { phoneHash, state, at: at ?? Date.now() });
  }

  /** The pointer and its rule set from L1, pinned; undefined when either is not there. */
  private peekTcpa(): PinnedTcpa | undefined {
    const version = this.compliance.peekInNamespace<number | null>(POINTER_KEY);
    if (version === undefined) return undefined;
    if (version === null) return NO_TCPA;
    const ruleSet = this.compliance.peekInNamespace<TcpaRuleSetView | null>(this.versionKey(version));
    if (ruleSet === undefined) return undefined;
    return this.pin(version, ruleSet);
  }

  private pin(version: number | null, ruleSet: TcpaRuleSetView | null): PinnedTcpa {
    const last = this.lastPinned;
    if (last.ruleSet === ruleSet && last.ruleVersion === version) return last;
    const pinned = pinTcpa(version, ruleSet);
    this.lastPinned = pinned;
    return pinned;
  }

  private peekDnc(phoneHash: string): DncStatus | undefined {
    return this.compliance.peekInNamespace<DncStatus>(
      inComplianceNamespace(ComplianceCacheKeys.dnc(phoneHash)),
    );
  }

  private versionKey(version: number): string {
    if (version !== this.lastVersion) {
      this.lastVersionKey = inComplianceNamespace(ComplianceCacheKeys.tcpa(version));
      this.lastVersion = version;
    }
    return this.lastVersionKey;
  }

  private stateKey(state: string): string {
    let key = this.stateKeys.get(state);
    if (key === undefined) {
      if (this.stateKeys.size >= STATE_KEYS_MAX) this.stateKeys.clear();
      key = inComplianceNamespace(ComplianceCacheKeys.state(state));
      this.stateKeys.set(state, key);
    }
    return key;
  }

  /**
   * The batch through L1 and, for what it lacks, the loaders. Synchronous up to the first load: the pointer
   * is read (and the version pinned) before anything is awaited.
   */
  private async resolveBatch(requests: readonly HashedCheckRequest[]): Promise<CheckDecision[]> {
    const pending: Promise<unknown>[] = [];
    let version = this.compliance.peekInNamespace<number | null>(POINTER_KEY);
    if (version === undefined) version = await this.compliance.activeTcpaVersion();
    let ruleSet: TcpaRuleSetView | null | undefined = null;
    if (version !== null) {
      ruleSet = this.compliance.peekInNamespace<TcpaRuleSetView | null>(this.versionKey(version));
      if (ruleSet === undefined) {
        const pinnedVersion = version;
        pending.push(this.compliance.findTcpaRuleSet(pinnedVersion).then((found) => void (ruleSet = found)));
      }
    }
    const rules = new Map<string, StateRuleView | null | undefined>();
    const dnc = new Array<DncStatus | undefined>(requests.length);
    for (let i = 0; i < requests.length; i++) {
      const { phoneHash, state } = requests[i];
      if (!rules.has(state)) {
        const rule = this.compliance.peekInNamespace<StateRuleView | null>(this.stateKey(state));
        rules.set(state, rule);
        if (rule === undefined) {
          pending.push(this.compliance.findStateRule(state).then((found) => void rules.set(state, found)));
        }
      }
      if (!this.membership.mayBeListed(phoneHash)) dnc[i] = NOT_LISTED;
      else {
        dnc[i] = this.peekDnc(phoneHash);
        if (dnc[i] === undefined) {
          pending.push(this.compliance.dncStatus(phoneHash).then((status) => void (dnc[i] = status)));
        }
      }
    }
    if (pending.length > 0) await Promise.all(pending);
    const tcpa = this.pin(version, ruleSet ?? null);
    const now = Date.now();
    const decisions = new Array<CheckDecision>(requests.length);
    for (let i = 0; i < requests.length; i++) {
      const { phoneHash, state, at } = requests[i];
      decisions[i] = decideOne(tcpa, rules.get(state) ?? null, dnc[i] as DncStatus, {
        phoneHash,
        state,
        at: at ?? now,
      });
    }
    return decisions;
  }
}
