import { Injectable } from '@nestjs/common';
import { BuyerRoutingChanged, ChangeOp, createEnvelope, Topic } from '@platform/contracts';
import { OutboxService } from '@platform/database';
import {
  BuyerRoutingCriteria,
  BuyerRoutingRepository,
  BuyerRoutingUpsert,
} from '@platform/routing-data-access';
import { NotFoundError, ValidationFailedError } from '@platform/service-kit';
import type { EntityManager } from 'typeorm';
import { UpsertBuyerCriteriaDto } from './dto/routing.dto';
import { BuyerRoutingView, toBuyerRoutingSnapshot, toBuyerRoutingView } from './routing.mapper';
import { RoutingCacheReader } from './cache/routing-cache.reader';
import { minutesOf } from './decision/calling-hours';

/** Outcome of {@link RoutingService.upsert}: the stored criteria and whether they were new. */
export interface UpsertBuyerCriteriaResult {
  criteria: BuyerRoutingView;
  created: boolean;
}

/**
 * Buyer routing criteria use cases; transport-neutral (REST and gRPC controllers both call it). Every
 * change queues its `routing.buyer.changed.v1` event in the outbox inside the change's own transaction.
 */
@Injectable()
export class RoutingService {
  constructor(
    private readonly criteria: BuyerRoutingRepository,
    private readonly outbox: OutboxService,
    private readonly reader: RoutingCacheReader,
  ) {}

  private readonly changeListeners = new Set<(event: BuyerRoutingChanged.Value) => void>();

  /**
   * Adds a listener of this instance's committed criteria changes (the event each one published), called once
   * the commit's own eviction is done; returns the function that removes it. For the refill of what the change
   * evicted.
   */
  onChanged(listener: (event: BuyerRoutingChanged.Value) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

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
      timeZone: input.timeZone ?? 'UTC',
      hoursStartMinute: minutesOf(input.hoursStart ?? '00:00'),
      hoursEndMinute: minutesOf(input.hoursEnd ?? '24:00'),
      dailyCap: input.dailyCap ?? null,
    };
    if (data.hoursStartMinute === data.hoursEndMinute) {
      throw new ValidationFailedError([{ field: 'hoursEnd', message: 'must differ from hoursStart' }]);
    }
    let announced: BuyerRoutingChanged.Value | undefined;
    const { before, after } = await this.criteria.upsert(data, async (tx, change) => {
      announced = await this.announceUpsert(tx, change);
    });
    // Committed, and evicted here (the outbox's commit listeners ran before the upsert resolved).
    if (announced !== undefined) for (const listener of this.changeListeners) listener(announced);
    return { criteria: toBuyerRoutingView(after), created: !before };
  }

  /** The buyer's criteria, cache-aside (`routing:buyer:{buyerID}`), or `BUYER_ROUTING.NOT_FOUND`. */
  async get(buyerId: string): Promise<BuyerRoutingView> {
    const criteria = await this.reader.buyer(buyerId);
    if (!criteria) throw new NotFoundError('buyer-routing', buyerId);
    return criteria;
  }

  /**
   * The buyer's committed criteria read from Postgres, never from the cache, or `BUYER_ROUTING.NOT_FOUND`. For
   * peers that keep a copy of their own (gRPC `GetBuyerCriteria`, read by `RoutingProfileClient` in bid and
   * analytics): a peer refills its copy after its `routing.buyer.changed.v1` consumer evicted it, and that
   * consumer runs in another group than ours with no order between them, so an answer from our cache could
   * be the value the event replaced (not yet evicted here) and the peer would keep it for its whole TTL.
   * Postgres already holds the change when the event goes out (it is published after commit).
   */
  async getCommitted(buyerId: string): Promise<BuyerRoutingView> {
    const criteria = await this.criteria.findByBuyerId(buyerId);
    if (!criteria) throw new NotFoundError('buyer-routing', buyerId);
    return toBuyerRoutingView(criteria);
  }

  /** Criteria by state and/or active flag, highest priority first. */
  list(filter: { state?: string; active?: boolean; limit?: number }): Promise<BuyerRoutingCriteria[]> {
    return this.criteria.list({ ...filter, limit: filter.limit ?? 50 });
  }

  /** Deletes the buyer's criteria, or `BUYER_ROUTING.NOT_FOUND`. */
  async delete(buyerId: string): Promise<void> {
    const gone = await this.criteria.delete(buyerId, async (tx, current) => {
      // A deletion is a change like any other: it gets the next version, so consumers can order it.
      await this.announce(tx, 'deleted', buyerId, current.version + 1, toBuyerRoutingSnapshot(current), null);
    });
    if (!gone) throw new NotFoundError('buyer-routing', buyerId);
  }

  /**
   * Queues `created` for a new buyer, `updated` for a real change, nothing for a no-op replacement; resolves
   * the queued event.
   */
  private async announceUpsert(
    tx: EntityManager,
    { before, after }: BuyerRoutingUpsert,
  ): Promise<BuyerRoutingChanged.Value | undefined> {
    const snapshot = toBuyerRoutingSnapshot(after);
    if (!before) return this.announce(tx, 'created', after.buyerId, after.version, null, snapshot);
    if (after.version !== before.version) {
      return this.announce(
        tx,
        'updated',
        after.buyerId,
        after.version,
        toBuyerRoutingSnapshot(before),
        snapshot,
      );
    }
    return undefined;
  }

  private async announce(
    tx: EntityManager,
    op: ChangeOp,
    buyerId: string,
    version: number,
    before: BuyerRoutingChanged.Snapshot | null,
    after: BuyerRoutingChanged.Snapshot | null,
  ): Promise<BuyerRoutingChanged.Value> {
    const event = createEnvelope({ entity: 'buyer' as const, entityId: buyerId, op, version, before, after });
    await this.outbox.add(tx, Topic.BuyerRoutingChanged, event);
    return event;
  }
}
