import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import type { Cache } from '@platform/cache';
import { InjectCache } from '@platform/cache/nest';
import { hmacPhoneNumber, loadPhoneHashPepper, type ServiceConfig } from '@platform/config';
import type { complianceV1 } from '@platform/proto';
import { createGrpcClient, GrpcClient, SERVICE_CONFIG, ServiceCredentials } from '@platform/service-kit';
import { COMPLIANCE_CLIENT_CACHES, COMPLIANCE_PEER } from './compliance-client.constants';

/** What other services need to know of a state's calling rule. */
export interface StateCallingRule {
  state: string;
  /** Local hours [start, end) when calling is allowed. */
  callingHoursStart: number;
  callingHoursEnd: number;
  /** IANA time zone of the hours. */
  timezone: string;
  requiresConsent: boolean;
  version: number;
}

/**
 * A number's DNC answer as this service keeps it under `compliance:dnc:{phoneHash}`: whether compliance had it
 * listed, and until when (epoch ms; null: no expiry). An entry's expiry is a matter of time, not a change, so
 * no event evicts the copy when it passes: the copy is read as not listed from then on.
 */
export interface DncCopy {
  listed: boolean;
  until: number | null;
}

/**
 * Whether a kept DNC answer is in force now (copies written by older releases are plain booleans). The clock
 * is read only for an entry that expires: the decision path peeks one answer per bid.
 */
const inForce = (copy: DncCopy | boolean): boolean =>
  typeof copy === 'boolean' ? copy : copy.listed && (copy.until === null || copy.until > Date.now());

/**
 * Reads compliance answers from the compliance service over gRPC (`COMPLIANCE_GRPC_ADDRESS`: `GetStateRule`,
 * `CheckDnc`), cache-aside in the calling service's cache under `compliance:state:{state}` and
 * `compliance:dnc:{phoneHash}` (one load per key, coalesced by the engine). `peek*` answer from this
 * process's L1 only, synchronously, for hot paths. A compliance outage rejects with `COMPLIANCE.UNAVAILABLE`.
 * Numbers are hashed with compliance's peppered hash (`COMPLIANCE_PHONE_HASH_PEPPER`, shared with the
 * compliance service), so compliance's DNC events evict this service's copies too.
 */
@Injectable()
export class ComplianceClient implements OnApplicationShutdown {
  private client?: GrpcClient;
  private readonly address: string;
  private readonly pepper: string;

  constructor(
    @InjectCache(COMPLIANCE_CLIENT_CACHES.state.namespace)
    private readonly states: Cache<StateCallingRule | null>,
    @InjectCache(COMPLIANCE_CLIENT_CACHES.dnc.namespace) private readonly dnc: Cache<DncCopy | boolean>,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    // The calling service's own token on every call (none when auth is off, or outside a service kit app).
    @Optional() private readonly credentials?: ServiceCredentials,
  ) {
    const address = config.peers[COMPLIANCE_PEER.name];
    if (address === undefined) {
      throw new Error(
        `ComplianceClient: ${config.name} does not declare compliance as a peer; add COMPLIANCE_PEER to its defaults.peers`,
      );
    }
    this.address = address;
    this.pepper = loadPhoneHashPepper(config.name, config.env, config.vars);
  }

  /** Compliance's hash of an E.164 number: the `{phoneHash}` of `compliance:dnc:{phoneHash}`. */
  hashPhone(e164: string): string {
    return hmacPhoneNumber(this.pepper, e164);
  }

  /** The state's calling rule, or null when it has none. */
  stateRule(state: string): Promise<StateCallingRule | null> {
    return this.states.getOrSet(state, () => this.fetchStateRule(state));
  }

  /** The state's rule from this process's L1, or `undefined` when not held here. */
  peekStateRule(state: string): StateCallingRule | null | undefined {
    return this.states.peek(state);
  }

  /** Whether the E.164 number is on the Do-Not-Call list now (an entry past its expiry is not). */
  async isDncListed(e164: string): Promise<boolean> {
    return inForce(await this.dnc.getOrSet(this.hashPhone(e164), () => this.fetchDnc(e164)));
  }

  /** The DNC answer of an already hashed number from this process's L1, or `undefined`. */
  peekDnc(phoneHash: string): boolean | undefined {
    const copy = this.dnc.peek(phoneHash);
    return copy === undefined ? undefined : inForce(copy);
  }

  onApplicationShutdown(): void {
    this.client?.close();
  }

  private grpc(): GrpcClient {
    this.client ??= createGrpcClient('compliance', this.address, {
      authorization: () => this.credentials?.authorization() ?? Promise.resolve(undefined),
    });
    return this.client;
  }

  private async fetchStateRule(state: string): Promise<StateCallingRule | null> {
    const reply = await this.grpc().call<complianceV1.GetStateRuleResponse>('getStateRule', { state });
    const rule = reply?.stateRule;
    if (!rule) return null;
    return {
      state: rule.state,
      callingHoursStart: rule.callingHoursStart,
      callingHoursEnd: rule.callingHoursEnd,
      timezone: rule.timezone,
      requiresConsent: rule.requiresConsent,
      version: rule.version,
    };
  }

  private async fetchDnc(e164: string): Promise<DncCopy> {
    const reply = await this.grpc().call<complianceV1.CheckDncResponse>('checkDnc', { phoneNumber: e164 });
    const until = reply?.listedUntil ? Date.parse(reply.listedUntil) : NaN;
    return { listed: reply?.listed ?? false, until: Number.isNaN(until) ? null : until };
  }
}
