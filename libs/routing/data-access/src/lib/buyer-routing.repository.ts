import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { InTransaction } from '@platform/database';
import { EntityManager, Repository } from 'typeorm';
import { BuyerRoutingCriteria } from './buyer-routing-criteria.entity';

/** Filters for {@link BuyerRoutingRepository.list}. */
export interface BuyerRoutingFilter {
  state?: string;
  active?: boolean;
  limit: number;
}

/** The fields a caller sets on a buyer's criteria; the rest are generated. */
export type BuyerRoutingData = Pick<
  BuyerRoutingCriteria,
  | 'buyerId'
  | 'states'
  | 'minBidCents'
  | 'maxConcurrentCalls'
  | 'priority'
  | 'active'
  | 'timeZone'
  | 'hoursStartMinute'
  | 'hoursEndMinute'
  | 'dailyCap'
>;

/** What {@link BuyerRoutingRepository.upsert} wrote: the criteria before (null if created) and after. */
export interface BuyerRoutingUpsert {
  before: BuyerRoutingCriteria | null;
  after: BuyerRoutingCriteria;
}

/** What a state's route needs of one buyer's criteria ({@link BuyerRoutingRepository.activeForState}). */
export type BuyerRouteRow = Pick<
  BuyerRoutingCriteria,
  'buyerId' | 'priority' | 'minBidCents' | 'timeZone' | 'hoursStartMinute' | 'hoursEndMinute' | 'dailyCap'
>;

/** Persistence of buyer routing criteria. The only place that knows they live in Postgres. */
@Injectable()
export class BuyerRoutingRepository {
  constructor(
    @InjectRepository(BuyerRoutingCriteria) private readonly criteria: Repository<BuyerRoutingCriteria>,
  ) {}

  /**
   * Creates or replaces the buyer's criteria atomically: the row is locked (`SELECT … FOR UPDATE`) or
   * inserted, so concurrent upserts serialise and each one's `before` is the state it really replaced.
   * `version` is bumped only when a column changed. `before` is null when this call created the row.
   * `then` runs in the same transaction, still holding the row lock (e.g. to queue the change's event).
   */
  upsert(data: BuyerRoutingData, then?: InTransaction<BuyerRoutingUpsert>): Promise<BuyerRoutingUpsert> {
    return this.criteria.manager.transaction(async (tx) => {
      const result = await this.lockAndWrite(tx, data);
      await then?.(tx, result);
      return result;
    });
  }

  /** The buyer's criteria, or null. */
  findByBuyerId(buyerId: string): Promise<BuyerRoutingCriteria | null> {
    return this.criteria.findOneBy({ buyerId });
  }

  /** Criteria matching every given filter, highest priority first (ties by buyer id). */
  list(filter: BuyerRoutingFilter): Promise<BuyerRoutingCriteria[]> {
    const query = this.criteria.createQueryBuilder('criteria');
    // `@>` rather than `= ANY(states)`: same result, but it can use the GIN index on `states`.
    if (filter.state) query.andWhere('criteria.states @> ARRAY[:state]::char(2)[]', { state: filter.state });
    if (filter.active !== undefined) query.andWhere('criteria.active = :active', { active: filter.active });
    return query
      .orderBy('criteria.priority', 'DESC')
      .addOrderBy('criteria.buyerId', 'ASC')
      .take(filter.limit)
      .getMany();
  }

  /**
   * The active buyers that take calls from `state`, in routing order: highest priority first, then highest
   * price floor, then buyer id. One query (GIN index on `states`); no limit, a state has at most every buyer.
   *
   * Only the columns a route decision reads, as plain rows (`getRawMany`): a state holds thousands of buyers,
   * and hydrating each into an entity (every column, two timestamps parsed into Dates) was the largest cost in
   * a CPU profile of the routing service under `bench:load` (TypeORM's entity transformer and date parsing,
   * about a quarter of its samples with the cache off), paid again on every reload after a buyer change.
   */
  activeForState(state: string): Promise<BuyerRouteRow[]> {
    return this.criteria
      .createQueryBuilder('criteria')
      .select('criteria.buyerId', 'buyerId')
      .addSelect('criteria.priority', 'priority')
      .addSelect('criteria.minBidCents', 'minBidCents')
      .addSelect('criteria.timeZone', 'timeZone')
      .addSelect('criteria.hoursStartMinute', 'hoursStartMinute')
      .addSelect('criteria.hoursEndMinute', 'hoursEndMinute')
      .addSelect('criteria.dailyCap', 'dailyCap')
      .where('criteria.states @> ARRAY[:state]::char(2)[]', { state })
      .andWhere('criteria.active = true')
      .orderBy('criteria.priority', 'DESC')
      .addOrderBy('criteria.minBidCents', 'DESC')
      .addOrderBy('criteria.buyerId', 'ASC')
      .getRawMany<BuyerRouteRow>();
  }

  /** The buyers' criteria (those that exist), in no particular order. One query. */
  findByBuyerIds(buyerIds: readonly string[]): Promise<BuyerRoutingCriteria[]> {
    if (buyerIds.length === 0) return Promise.resolve([]);
    return this.criteria
      .createQueryBuilder('criteria')
      .where('criteria.buyerId IN (:...buyerIds)', { buyerIds })
      .getMany();
  }

  /**
   * Deletes the buyer's criteria under a row lock and returns them as they were; null if absent. `then`
   * runs in the same transaction.
   */
  delete(buyerId: string, then?: InTransaction<BuyerRoutingCriteria>): Promise<BuyerRoutingCriteria | null> {
    return this.criteria.manager.transaction(async (tx) => {
      const current = await tx.findOne(BuyerRoutingCriteria, {
        where: { buyerId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!current) return null;
      await tx.delete(BuyerRoutingCriteria, { buyerId });
      await then?.(tx, current);
      return current;
    });
  }

  private async lockAndWrite(tx: EntityManager, data: BuyerRoutingData): Promise<BuyerRoutingUpsert> {
    const lockRow = () =>
      tx.findOne(BuyerRoutingCriteria, {
        where: { buyerId: data.buyerId },
        lock: { mode: 'pessimistic_write' },
      });
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await lockRow();
      if (current) {
        const before = tx.create(BuyerRoutingCriteria, { ...current, states: [...current.states] });
        Object.assign(current, data);
        return { before, after: await tx.save(current) };
      }
      // ON CONFLICT DO NOTHING: if another transaction inserts the same buyer first, this waits for it
      // and inserts nothing; the next attempt then locks and updates that row.
      const inserted = await tx
        .createQueryBuilder()
        .insert()
        .into(BuyerRoutingCriteria)
        .values(data)
        .orIgnore()
        .execute();
      const id = (inserted.identifiers[0] as { id?: string } | undefined)?.id;
      if (id) return { before: null, after: await tx.findOneByOrFail(BuyerRoutingCriteria, { id }) };
    }
    throw new Error(`Could not upsert routing criteria of ${data.buyerId}: the row kept changing`);
  }
}
