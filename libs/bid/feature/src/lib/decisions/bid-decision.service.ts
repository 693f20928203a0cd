import { Injectable } from '@nestjs/common';
import type { Cache } from '@platform/cache';
import { InjectCache } from '@platform/cache/nest';
import { ComplianceClient } from '@platform/compliance-client';
import { BuyerRoutingProfile, ROUTING_PROFILE_CACHE, RoutingProfileClient } from '@platform/routing-client';
import { BidCandidate, BidDecision, DecisionInputs, judgeBid } from './bid-decision';

const unavailable = () => 'unavailable' as const;

/**
 * The bid decision path (the spec's "bid processing"): each bid is judged against its buyer's routing
 * criteria (`routing:buyer:{buyerID}`) and the call's compliance answers (`compliance:state:{state}`,
 * `compliance:dnc:{phoneHash}`), all read from this process's L1 with `peek` when warm, so a warm decision
 * makes no DB or network round-trip. A miss loads through the clients' `getOrSet`: one load per key however
 * many decisions wait on it. A source that cannot answer rejects the bid with a reason, never the request.
 */
@Injectable()
export class BidDecisionService {
  constructor(
    private readonly routing: RoutingProfileClient,
    private readonly compliance: ComplianceClient,
    @InjectCache(ROUTING_PROFILE_CACHE.namespace)
    private readonly routingCopies: Cache<BuyerRoutingProfile | null>,
  ) {}

  /** Decides every bid; the answers follow the order of `bids`. */
  async decide(bids: readonly BidCandidate[]): Promise<BidDecision[]> {
    const decisions = new Array<BidDecision>(bids.length);
    const loading: Promise<void>[] = [];
    for (let i = 0; i < bids.length; i++) {
      const decision = this.decideOne(bids[i]);
      if (decision instanceof Promise) loading.push(decision.then((d) => void (decisions[i] = d)));
      else decisions[i] = decision;
    }
    if (loading.length > 0) await Promise.all(loading);
    return decisions;
  }

  /** Synchronous when every answer is in L1; otherwise loads what is missing. */
  decideOne(bid: BidCandidate): BidDecision | Promise<BidDecision> {
    const phoneHash =
      bid.call.callerPhone === undefined ? undefined : this.compliance.hashPhone(bid.call.callerPhone);
    const routing = this.routingCopies.peek(bid.buyerId);
    const stateRule = this.compliance.peekStateRule(bid.call.state);
    const dncListed = phoneHash === undefined ? false : this.compliance.peekDnc(phoneHash);
    if (routing !== undefined && stateRule !== undefined && dncListed !== undefined) {
      return judgeBid(bid, { routing, stateRule, dncListed });
    }
    return this.load(bid).then((inputs) => judgeBid(bid, inputs));
  }

  private async load(bid: BidCandidate): Promise<DecisionInputs> {
    const phone = bid.call.callerPhone;
    const [routing, stateRule, dncListed] = await Promise.all([
      this.routing.get(bid.buyerId).catch(unavailable),
      this.compliance.stateRule(bid.call.state).catch(unavailable),
      phone === undefined ? false : this.compliance.isDncListed(phone).catch(unavailable),
    ]);
    return { routing, stateRule, dncListed };
  }
}
