import { Injectable } from '@nestjs/common';
import { BuyerRoutingChanged, ChangeOp, createEnvelope, Topic } from '@platform/contracts';
import { BuyerRoutingCriteria, BuyerRoutingRepository } from '@platform/routing-data-access';
import { EventPublisher, NotFoundError } from '@platform/service-kit';
import { UpsertBuyerCriteriaDto } from './dto/routing.dto';
import { toBuyerRoutingSnapshot } from './routing.mapper';

/** Outcome of {@link RoutingService.upsert}: the stored criteria and whether they were new. */
export interface UpsertBuyerCriteriaResult {
  criteria: BuyerRoutingCriteria;
  created: boolean;
}

/** Buyer routing criteria use cases; transport-neutral (REST and gRPC controllers both call it). */
@Injectable()
export class RoutingService {
  constructor(
    private readonly criteria: BuyerRoutingRepository,
    private readonly events: EventPublisher,
  ) {}

  /**
   * Creates or fully replaces a buyer's criteria (omitted `priority`/`active` take their defaults) and
   * announces the change. States are stored de-duplicated and sorted. A replacement that changes nothing
   * keeps the version and publishes no event.
   */
  async upsert(buyerId: string, input: UpsertBuyerCriteriaDto): Promise<UpsertBuyerCriteriaResult> {
    const data = {
      buyerId,
      states: [...new Set(input.states)].sort(),
      minBidCents: input.minBidCents,
      maxConcurrentCalls: input.maxConcurrentCalls,
      priority: input.priority ?? 0,
      active: input.active ?? true,
    };
    const existing = await this.criteria.findByBuyerId(buyerId);
    if (!existing) {
      const created = await this.criteria.createIfAbsent(data);
      if (created) {
        await this.announce('created', null, created);
        return { criteria: created, created: true };
      }
    }
    // Either it existed, or a concurrent request created it between our read and our insert.
    const current = existing ?? (await this.get(buyerId));
    const before = toBuyerRoutingSnapshot(current);
    Object.assign(current, data);
    const saved = await this.criteria.save(current);
    if (JSON.stringify(toBuyerRoutingSnapshot(saved)) !== JSON.stringify(before)) {
      await this.announce('updated', before, saved);
    }
    return { criteria: saved, created: false };
  }

  /** The buyer's criteria, or `BUYER_ROUTING.NOT_FOUND`. */
  async get(buyerId: string): Promise<BuyerRoutingCriteria> {
    const criteria = await this.criteria.findByBuyerId(buyerId);
    if (!criteria) throw new NotFoundError('buyer-routing', buyerId);
    return criteria;
  }

  /** Criteria by state and/or active flag, highest priority first. */
  list(filter: { state?: string; active?: boolean; limit?: number }): Promise<BuyerRoutingCriteria[]> {
    return this.criteria.list({ ...filter, limit: filter.limit ?? 50 });
  }

  /** Deletes the buyer's criteria, or `BUYER_ROUTING.NOT_FOUND`. */
  async delete(buyerId: string): Promise<void> {
    const criteria = await this.get(buyerId);
    if (!(await this.criteria.delete(buyerId))) throw new NotFoundError('buyer-routing', buyerId);
    await this.announce('deleted', toBuyerRoutingSnapshot(criteria), null, criteria);
  }

  private async announce(
    op: ChangeOp,
    before: BuyerRoutingChanged.Snapshot | null,
    after: BuyerRoutingCriteria | null,
    gone?: BuyerRoutingCriteria,
  ) {
    const subject = after ?? gone;
    if (!subject) return;
    await this.events.publish(
      Topic.BuyerRoutingChanged,
      createEnvelope({
        entity: 'buyer' as const,
        entityId: subject.buyerId,
        op,
        version: subject.version,
        before,
        after: after ? toBuyerRoutingSnapshot(after) : null,
      }),
    );
  }
}
