import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
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
  'buyerId' | 'states' | 'minBidCents' | 'maxConcurrentCalls' | 'priority' | 'active'
>;

/** Persistence of buyer routing criteria. The only place that knows they live in Postgres. */
@Injectable()
export class BuyerRoutingRepository {
  constructor(
    @InjectRepository(BuyerRoutingCriteria) private readonly criteria: Repository<BuyerRoutingCriteria>,
  ) {}

  /**
   * Inserts a buyer's criteria and returns them with generated id, version and timestamps; null when
   * the buyer already has criteria (e.g. a concurrent insert won), so the caller can update instead.
   */
  async createIfAbsent(data: BuyerRoutingData): Promise<BuyerRoutingCriteria | null> {
    const result = await this.criteria.createQueryBuilder().insert().values(data).orIgnore().execute();
    const id = (result.identifiers[0] as { id?: string } | undefined)?.id;
    return id ? this.criteria.findOneBy({ id }) : null;
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

  /** Saves changed fields (bumps `version` when anything changed). */
  save(criteria: BuyerRoutingCriteria): Promise<BuyerRoutingCriteria> {
    return this.criteria.save(criteria);
  }

  /** Deletes the buyer's criteria; false if there were none. */
  async delete(buyerId: string): Promise<boolean> {
    const result = await this.criteria.delete({ buyerId });
    return (result.affected ?? 0) > 0;
  }
}
