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
    const { before, after } = await this.criteria.upsert(data);
    if (!before) {
      await this.announce('created', buyerId, after.version, null, toBuyerRoutingSnapshot(after));
      return { criteria: after, created: true };
    }
    if (after.version !== before.version) {
      const snapshot = toBuyerRoutingSnapshot(after);
      await this.announce('updated', buyerId, after.version, toBuyerRoutingSnapshot(before), snapshot);
    }
    return { criteria: after, created: false };
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
    const gone = await this.criteria.delete(buyerId);
    if (!gone) throw new NotFoundError('buyer-routing', buyerId);
    // A deletion is a change like any other: it gets the next version, so consumers can order it.
    await this.announce('deleted', buyerId, gone.version + 1, toBuyerRoutingSnapshot(gone), null);
  }

  private async announce(
    op: ChangeOp,
    buyerId: string,
    version: number,
    before: BuyerRoutingChanged.Snapshot | null,
    after: BuyerRoutingChanged.Snapshot | null,
  ): Promise<void> {
    await this.events.publish(
      Topic.BuyerRoutingChanged,
      createEnvelope({ entity: 'buyer' as const, entityId: buyerId, op, version, before, after }),
    );
  }
}
