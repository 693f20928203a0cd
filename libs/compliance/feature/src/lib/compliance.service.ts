import { Injectable } from '@nestjs/common';
import {
  DncEntry,
  DncEntryRepository,
  StateRule,
  StateRuleRepository,
  StateRuleValues,
  TcpaRuleSet,
  TcpaRuleSetRepository,
} from '@platform/compliance-data-access';
import { ChangeOp, ComplianceRulesChanged, createEnvelope, Topic } from '@platform/contracts';
import { OutboxService } from '@platform/database';
import { NotFoundError } from '@platform/service-kit';
import type { EntityManager } from 'typeorm';
import { AddDncEntryDto } from './dto/compliance.dto';
import { toDncSnapshot, toStateSnapshot, toTcpaSnapshot } from './compliance.mapper';
import { hashPhoneNumber } from './phone-hash';

/** A new TCPA rule set, whatever the transport (gRPC's `rulesJson` is parsed by its controller). */
export interface NewTcpaRuleSet {
  rules: Record<string, unknown>;
  effectiveFrom: string;
  activate?: boolean;
}

/** Result of a do-not-call check. */
export interface DncCheck {
  listed: boolean;
  phoneHash: string;
}

/** DNC entries carry no version of their own; their events say 0. */
const DNC_EVENT_VERSION = 0;

/**
 * Compliance use cases (TCPA rule sets, the do-not-call list, state rules); transport-neutral (REST and
 * gRPC controllers both call it). Every change is announced on `compliance.rules.changed.v1`, queued in
 * the outbox inside the change's own transaction (both commit or neither). Phone
 * numbers are hashed on the way in; only the SHA-256 hash is stored, published or logged. An unkeyed
 * hash of a phone number can be reversed by enumerating numbers, so the hash must be treated as personal
 * data too (a keyed HMAC is the planned hardening).
 */
@Injectable()
export class ComplianceService {
  constructor(
    private readonly tcpaRuleSets: TcpaRuleSetRepository,
    private readonly dncEntries: DncEntryRepository,
    private readonly stateRules: StateRuleRepository,
    private readonly outbox: OutboxService,
  ) {}

  /** Creates the next TCPA rule set version; with `activate`, it replaces the active one. Announces both. */
  async createTcpaRuleSet(input: NewTcpaRuleSet): Promise<TcpaRuleSet> {
    const { created } = await this.tcpaRuleSets.createNextVersion(
      { rules: input.rules, effectiveFrom: new Date(input.effectiveFrom) },
      input.activate ?? false,
      async (tx, { created, deactivated }) => {
        if (deactivated) {
          await this.announce(
            tx,
            'updated',
            `tcpa:${deactivated.version}`,
            deactivated.version,
            { ...toTcpaSnapshot(deactivated), active: true },
            toTcpaSnapshot(deactivated),
          );
        }
        const snapshot = toTcpaSnapshot(created);
        await this.announce(tx, 'created', `tcpa:${created.version}`, created.version, null, snapshot);
      },
    );
    return created;
  }

  /** The rule set with this version, or `TCPA_RULE_SET.NOT_FOUND`. */
  async getTcpaRuleSet(version: number): Promise<TcpaRuleSet> {
    const ruleSet = await this.tcpaRuleSets.findByVersion(version);
    if (!ruleSet) throw new NotFoundError('tcpa rule set', String(version));
    return ruleSet;
  }

  /** The active rule set, or `TCPA_RULE_SET.NOT_FOUND` when none is active. */
  async getActiveTcpaRuleSet(): Promise<TcpaRuleSet> {
    const ruleSet = await this.tcpaRuleSets.findActive();
    if (!ruleSet) throw new NotFoundError('tcpa rule set', 'active');
    return ruleSet;
  }

  /** Adds the number's hash to the DNC list, or updates its source/expiry; idempotent. Announces real changes. */
  async addDncEntry(input: AddDncEntryDto): Promise<DncEntry> {
    const { after } = await this.dncEntries.upsert(
      {
        phoneHash: hashPhoneNumber(input.phoneNumber),
        source: input.source,
        expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
      },
      (tx, { before, after }) =>
        this.announce(
          tx,
          before ? 'updated' : 'created',
          `dnc:${after.phoneHash}`,
          DNC_EVENT_VERSION,
          before ? toDncSnapshot(before) : null,
          toDncSnapshot(after),
        ),
    );
    return after;
  }

  /** Whether the number is on the DNC list now (an expired entry is not), with its hash. */
  async checkDnc(phoneNumber: string): Promise<DncCheck> {
    const phoneHash = hashPhoneNumber(phoneNumber);
    const entry = await this.dncEntries.findInForce(phoneHash, new Date());
    return { listed: entry !== null, phoneHash };
  }

  /** Removes the entry, or `DNC_ENTRY.NOT_FOUND`. */
  async removeDncEntry(phoneHash: string): Promise<void> {
    const gone = await this.dncEntries.delete(phoneHash, (tx, entry) =>
      this.announce(tx, 'deleted', `dnc:${phoneHash}`, DNC_EVENT_VERSION, toDncSnapshot(entry), null),
    );
    if (!gone) throw new NotFoundError('dnc entry', phoneHash);
  }

  /** Creates or replaces the state's rule (the version increments on every change). Announces real changes. */
  async upsertStateRule(state: string, values: StateRuleValues): Promise<StateRule> {
    const { after } = await this.stateRules.upsert(
      state,
      {
        callingHoursStart: values.callingHoursStart,
        callingHoursEnd: values.callingHoursEnd,
        timezone: values.timezone,
        maxAttemptsPerDay: values.maxAttemptsPerDay,
        requiresConsent: values.requiresConsent,
      },
      (tx, { before, after }) =>
        this.announce(
          tx,
          before ? 'updated' : 'created',
          `state:${after.state}`,
          after.version,
          before ? toStateSnapshot(before) : null,
          toStateSnapshot(after),
        ),
    );
    return after;
  }

  /** The state's rule, or `STATE_RULE.NOT_FOUND`. */
  async getStateRule(state: string): Promise<StateRule> {
    const rule = await this.stateRules.findByState(state);
    if (!rule) throw new NotFoundError('state rule', state);
    return rule;
  }

  private announce(
    tx: EntityManager,
    op: ChangeOp,
    entityId: string,
    version: number,
    before: ComplianceRulesChanged.Snapshot | null,
    after: ComplianceRulesChanged.Snapshot | null,
  ): Promise<void> {
    return this.outbox.add(
      tx,
      Topic.ComplianceRulesChanged,
      createEnvelope({ entity: 'compliance-rule' as const, entityId, op, version, before, after }),
    );
  }
}
