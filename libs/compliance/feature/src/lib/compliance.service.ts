import { Injectable, Logger } from '@nestjs/common';
import { RecentReads, type Cache } from '@platform/cache';
import { InjectCache } from '@platform/cache/nest';
import {
  DncEntry,
  DncEntryRepository,
  StateRuleRepository,
  StateRuleValues,
  TcpaRuleSetRepository,
} from '@platform/compliance-data-access';
import { ChangeOp, ComplianceRulesChanged, createEnvelope, Topic } from '@platform/contracts';
import { OutboxService } from '@platform/database';
import { NotFoundError } from '@platform/service-kit';
import type { EntityManager } from 'typeorm';
import { AddDncEntryDto } from './dto/compliance.dto';
import {
  StateRuleView,
  TcpaRuleSetView,
  toDncSnapshot,
  toStateRuleView,
  toStateSnapshot,
  toTcpaRuleSetView,
  toTcpaSnapshot,
} from './compliance.mapper';
import { PhoneHasher } from './phone-hash';
import { DncMembership } from './dnc/dnc-membership.service';
import {
  COMPLIANCE_CACHE_NAMESPACE,
  ComplianceCacheKeys,
  inComplianceNamespace,
} from './cache/compliance-cache.keys';

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

/**
 * A number's DNC status as cached under `compliance:dnc:{phoneHash}`: whether an entry exists and when it
 * stops being in force (epoch ms, or null), so a cached entry that expires is read as not listed.
 */
export interface DncStatus {
  listed: boolean;
  until: number | null;
}

/** The status of a number the membership filter rules out: no entry, no read. */
export const NOT_LISTED: DncStatus = Object.freeze({ listed: false, until: null });

/** Whether a cached DNC status is in force at `now` (epoch ms). */
export const isListed = (status: DncStatus, now: number): boolean =>
  status.listed && (status.until === null || status.until > now);

/** The cached values of the compliance namespace: rule set and state views, the pointer, DNC status. */
export type ComplianceCacheValue = TcpaRuleSetView | StateRuleView | DncStatus | number | null;

const key = (full: string) => inComplianceNamespace(full);

/** DNC entries carry no version of their own; their events say 0. */
const DNC_EVENT_VERSION = 0;

/**
 * How long a read keeps a key worth reloading after its change event: twice the namespace's L1 TTL (5 min). A key
 * in use is read through the cache at least once per L1 lifetime (checks `peek` it in between, uncounted), and a
 * refill starts a new lifetime, so a key in use can go up to two L1 TTLs between counted reads.
 */
const READ_LATELY_MS = 2 * 5 * 60_000;
/** Keys remembered as read lately at most (the oldest read is forgotten first). */
const READ_LATELY_MAX_KEYS = 100_000;

/**
 * Compliance use cases (TCPA rule sets, the do-not-call list, state rules); transport-neutral (REST and
 * gRPC controllers both call it). Every change is announced on `compliance.rules.changed.v1`, queued in
 * the outbox inside the change's own transaction (both commit or neither). Phone
 * numbers are hashed on the way in (HMAC-SHA256 under the pepper); only the hash is stored, published or
 * logged. DNC answers consult the {@link DncMembership} filter first.
 */
@Injectable()
export class ComplianceService {
  private readonly logger = new Logger(ComplianceService.name);
  /**
   * Keys this instance read through the cache lately (not counting `peek`s, which follow such a read): which keys
   * the refill after a change event reloads here.
   */
  private readonly reads = new RecentReads(READ_LATELY_MS, READ_LATELY_MAX_KEYS);

  constructor(
    private readonly tcpaRuleSets: TcpaRuleSetRepository,
    private readonly dncEntries: DncEntryRepository,
    private readonly stateRules: StateRuleRepository,
    private readonly outbox: OutboxService,
    private readonly phones: PhoneHasher,
    private readonly membership: DncMembership,
    @InjectCache(COMPLIANCE_CACHE_NAMESPACE.namespace)
    private readonly cache: Cache<ComplianceCacheValue>,
  ) {}

  /**
   * Creates the next TCPA rule set version; with `activate`, it replaces the active one. Announces both.
   * Write-through: once Postgres commits, the new version's entry (and the deactivated one's) is written to
   * the cache first and the `compliance:tcpa:active` pointer last, so an instance that sees the new pointer
   * finds its rule set; every other instance's L1 copy of the pointer is evicted by the bus at once.
   */
  async createTcpaRuleSet(input: NewTcpaRuleSet): Promise<TcpaRuleSetView> {
    const { created, deactivated } = await this.tcpaRuleSets.createNextVersion(
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
    const view = toTcpaRuleSetView(created);
    await this.writeThrough(ComplianceCacheKeys.tcpa(created.version), view);
    if (deactivated) {
      await this.writeThrough(ComplianceCacheKeys.tcpa(deactivated.version), toTcpaRuleSetView(deactivated));
    }
    if (created.active) await this.writeThrough(ComplianceCacheKeys.tcpaActive(), created.version);
    return view;
  }

  /** The rule set with this version (read through `compliance:tcpa:v{version}`), or `TCPA_RULE_SET.NOT_FOUND`. */
  async getTcpaRuleSet(version: number): Promise<TcpaRuleSetView> {
    const ruleSet = await this.findTcpaRuleSet(version);
    if (!ruleSet) throw new NotFoundError('tcpa rule set', String(version));
    return ruleSet;
  }

  /** The rule set with this version, or null; cached (null too) under `compliance:tcpa:v{version}`. */
  findTcpaRuleSet(version: number): Promise<TcpaRuleSetView | null> {
    this.reads.record(ComplianceCacheKeys.tcpa(version));
    return this.cache.getOrSet(key(ComplianceCacheKeys.tcpa(version)), () =>
      this.loadTcpaRuleSet(version),
    ) as Promise<TcpaRuleSetView | null>;
  }

  /** The active version (through the `compliance:tcpa:active` pointer), or null when none is active. */
  activeTcpaVersion(): Promise<number | null> {
    this.reads.record(ComplianceCacheKeys.tcpaActive());
    return this.cache.getOrSet(key(ComplianceCacheKeys.tcpaActive()), () =>
      this.loadActiveTcpaVersion(),
    ) as Promise<number | null>;
  }

  /** The active rule set, or `TCPA_RULE_SET.NOT_FOUND` when none is active. */
  async getActiveTcpaRuleSet(): Promise<TcpaRuleSetView> {
    const version = await this.activeTcpaVersion();
    const ruleSet = version === null ? null : await this.findTcpaRuleSet(version);
    if (!ruleSet) throw new NotFoundError('tcpa rule set', 'active');
    return ruleSet;
  }

  /** Adds the number's hash to the DNC list, or updates its source/expiry; idempotent. Announces real changes. */
  async addDncEntry(input: AddDncEntryDto): Promise<DncEntry> {
    const { after } = await this.dncEntries.upsert(
      {
        phoneHash: this.phones.hash(input.phoneNumber),
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
    this.membership.noteListed(after.phoneHash);
    await this.writeThrough(ComplianceCacheKeys.dnc(after.phoneHash), {
      listed: true,
      until: after.expiresAt ? after.expiresAt.getTime() : null,
    });
    return after;
  }

  /** Whether the number is on the DNC list now (an expired entry is not), with its hash. */
  async checkDnc(phoneNumber: string): Promise<DncCheck> {
    const phoneHash = this.phones.hash(phoneNumber);
    return { listed: isListed(await this.dncStatus(phoneHash), Date.now()), phoneHash };
  }

  /**
   * The number's DNC status read from Postgres, past the membership filter and the cache: what gRPC
   * `CheckDnc` answers. Its callers are peers that keep a copy (bid's `compliance:dnc:{phoneHash}`, 24 h) and
   * evict it on this service's change events. Answered from this service's cache or filter, a peer whose
   * eviction came before this instance heard of the change (its own consumer's eviction, or the writer's bus
   * message, still on the way) would copy the old answer and keep it for its whole TTL: for a number just
   * listed, calls to it for a day. Postgres holds the change before the event goes out (the relay publishes
   * committed rows only), so a copy made after the event is never older than it. `until` is when a listed
   * entry stops being in force, so the copy expires with it (no event marks an expiry).
   */
  async checkDncCommitted(phoneNumber: string): Promise<DncCheck & DncStatus> {
    const phoneHash = this.phones.hash(phoneNumber);
    const status = await this.loadDncStatus(phoneHash);
    return isListed(status, Date.now()) ? { ...status, phoneHash } : { ...NOT_LISTED, phoneHash };
  }

  /**
   * The DNC status of a hash: not listed, without any read, when the membership filter rules it out;
   * else read through `compliance:dnc:{phoneHash}` (the exact table behind it).
   */
  async dncStatus(phoneHash: string): Promise<DncStatus> {
    if (!this.membership.mayBeListed(phoneHash)) return NOT_LISTED;
    this.reads.record(ComplianceCacheKeys.dnc(phoneHash));
    return this.cache.getOrSet(key(ComplianceCacheKeys.dnc(phoneHash)), () =>
      this.loadDncStatus(phoneHash),
    ) as Promise<DncStatus>;
  }

  /** Removes the entry, or `DNC_ENTRY.NOT_FOUND`. */
  async removeDncEntry(phoneHash: string): Promise<void> {
    const gone = await this.dncEntries.delete(phoneHash, (tx, entry) =>
      this.announce(tx, 'deleted', `dnc:${phoneHash}`, DNC_EVENT_VERSION, toDncSnapshot(entry), null),
    );
    if (!gone) throw new NotFoundError('dnc entry', phoneHash);
    await this.writeThrough(ComplianceCacheKeys.dnc(phoneHash), { listed: false, until: null });
  }

  /** Creates or replaces the state's rule (the version increments on every change). Announces real changes. */
  async upsertStateRule(state: string, values: StateRuleValues): Promise<StateRuleView> {
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
    const view = toStateRuleView(after);
    await this.writeThrough(ComplianceCacheKeys.state(state), view);
    return view;
  }

  /** The state's rule (read through `compliance:state:{state}`), or `STATE_RULE.NOT_FOUND`. */
  async getStateRule(state: string): Promise<StateRuleView> {
    const rule = await this.findStateRule(state);
    if (!rule) throw new NotFoundError('state rule', state);
    return rule;
  }

  /**
   * The state's rule read from Postgres, or `STATE_RULE.NOT_FOUND`: what gRPC `GetStateRule` answers, for the
   * reason given at {@link checkDncCommitted} (peers keep copies of it for 24 h).
   */
  async getStateRuleCommitted(state: string): Promise<StateRuleView> {
    const rule = await this.stateRules.findByState(state);
    if (!rule) throw new NotFoundError('state rule', state);
    return toStateRuleView(rule);
  }

  /** The state's rule or null; cached (null too) under `compliance:state:{state}`. */
  findStateRule(state: string): Promise<StateRuleView | null> {
    this.reads.record(ComplianceCacheKeys.state(state));
    return this.cache.getOrSet(key(ComplianceCacheKeys.state(state)), () =>
      this.loadStateRule(state),
    ) as Promise<StateRuleView | null>;
  }

  /** Whether this instance read the full compliance key through the cache lately (two L1 TTLs). */
  readLately(fullKey: string): boolean {
    return this.reads.wasRead(fullKey);
  }

  /**
   * Reloads one of this service's keys (`compliance:state:{state}`, `compliance:dnc:{phoneHash}`,
   * `compliance:tcpa:v{version}`, `compliance:tcpa:active`) from Postgres into L2 and L1, unless a later change of
   * the key lands while it loads (`Cache.refresh`). Resolves false for any other key (the DNC generation pointer is
   * the membership filter's to reload).
   */
  async refresh(fullKey: string): Promise<boolean> {
    const load = this.loaderOf(fullKey);
    if (load === undefined) return false;
    await this.cache.refresh(key(fullKey), load);
    return true;
  }

  private loaderOf(fullKey: string): (() => Promise<ComplianceCacheValue>) | undefined {
    const [, kind, id] = /^compliance:(state|dnc|tcpa):(.+)$/.exec(fullKey) ?? [];
    if (kind === 'state') return () => this.loadStateRule(id);
    if (kind === 'dnc') return () => this.loadDncStatus(id);
    if (kind === 'tcpa' && id === 'active') return () => this.loadActiveTcpaVersion();
    const version = kind === 'tcpa' ? /^v(\d+)$/.exec(id)?.[1] : undefined;
    if (version !== undefined) return () => this.loadTcpaRuleSet(Number(version));
    return undefined;
  }

  private async loadStateRule(state: string): Promise<StateRuleView | null> {
    const rule = await this.stateRules.findByState(state);
    return rule ? toStateRuleView(rule) : null;
  }

  private async loadDncStatus(phoneHash: string): Promise<DncStatus> {
    const entry = await this.dncEntries.findByHash(phoneHash);
    return { listed: entry !== null, until: entry?.expiresAt ? entry.expiresAt.getTime() : null };
  }

  private async loadTcpaRuleSet(version: number): Promise<TcpaRuleSetView | null> {
    const ruleSet = await this.tcpaRuleSets.findByVersion(version);
    return ruleSet ? toTcpaRuleSetView(ruleSet) : null;
  }

  private async loadActiveTcpaVersion(): Promise<number | null> {
    const ruleSet = await this.tcpaRuleSets.findActive();
    return ruleSet ? ruleSet.version : null;
  }

  /** The cache's synchronous L1 read of a full compliance key (for the check engine's hot path). */
  peek<T extends ComplianceCacheValue>(fullKey: string): T | undefined {
    return this.cache.peek(key(fullKey)) as T | undefined;
  }

  /**
   * {@link peek} of a key already in the namespace's form (`state:IL`, see `inComplianceNamespace`). The check
   * engine keeps these strings and passes the same ones again: slicing a full key on every read made a new
   * string whose hash the cache's maps had to compute again, a large part of a warm check's cost.
   */
  peekInNamespace<T extends ComplianceCacheValue>(namespacedKey: string): T | undefined {
    return this.cache.peek(namespacedKey) as T | undefined;
  }

  /**
   * The cache half of a write-through, after Postgres committed: a failure is logged and left to the
   * change event, whose invalidation evicts the key everywhere (the write itself has succeeded).
   */
  private async writeThrough(fullKey: string, value: ComplianceCacheValue): Promise<void> {
    try {
      await this.cache.set(key(fullKey), value);
    } catch (error) {
      this.logger.warn({ key: fullKey, error }, 'write-through to the cache failed');
    }
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
