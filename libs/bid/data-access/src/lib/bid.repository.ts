import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { InTransaction } from '@platform/database';
import { FindOptionsWhere, LessThanOrEqual, Repository } from 'typeorm';
import { Bid, BidStatus } from './bid.entity';

/** Filters for {@link BidRepository.list}. */
export interface BidFilter {
  callId?: string;
  buyerId?: string;
  status?: BidStatus;
  limit: number;
}

/** Persistence of bids. The only place that knows bids live in Postgres. */
@Injectable()
export class BidRepository {
  constructor(@InjectRepository(Bid) private readonly bids: Repository<Bid>) {}

  /**
   * Inserts a bid and returns it with its generated id, version and timestamps. `then` runs in the same
   * transaction (e.g. to queue the bid's event in the outbox): if it fails, no bid is written.
   */
  create(
    data: Pick<Bid, 'callId' | 'buyerId' | 'amountCents' | 'currency' | 'expiresAt'>,
    then?: InTransaction<Bid>,
  ): Promise<Bid> {
    return this.bids.manager.transaction(async (tx) => {
      const bid = await tx.save(tx.create(Bid, { ...data, status: 'active' }));
      await then?.(tx, bid);
      return bid;
    });
  }

  /** The bid, or null. */
  findById(id: string): Promise<Bid | null> {
    return this.bids.findOneBy({ id });
  }

  /** Bids matching every given filter, newest first. */
  list(filter: BidFilter): Promise<Bid[]> {
    const where: FindOptionsWhere<Bid> = {};
    if (filter.callId) where.callId = filter.callId;
    if (filter.buyerId) where.buyerId = filter.buyerId;
    if (filter.status) where.status = filter.status;
    return this.bids.find({ where, order: { createdAt: 'DESC' }, take: filter.limit });
  }

  /** The buyers with the highest total amount of active bids, highest first, at most `limit`. */
  async topBuyersByActiveValue(limit: number): Promise<string[]> {
    const rows: { buyerId: string }[] = await this.bids
      .createQueryBuilder('bid')
      .select('bid.buyerId', 'buyerId')
      .where('bid.status = :status', { status: 'active' })
      .groupBy('bid.buyerId')
      .orderBy('SUM(bid.amountCents)', 'DESC')
      .limit(limit)
      .getRawMany();
    return rows.map((row) => row.buyerId);
  }

  /** Ids of active bids whose expiry time is at or before `now`, soonest first, at most `limit`. */
  async findOverdueIds(options: { now: Date; limit: number }): Promise<string[]> {
    const rows = await this.bids.find({
      select: { id: true },
      where: { status: 'active', expiresAt: LessThanOrEqual(options.now) },
      order: { expiresAt: 'ASC' },
      take: options.limit,
    });
    return rows.map((row) => row.id);
  }

  /**
   * Applies `change` to the bid under a row lock (`SELECT … FOR UPDATE`) and saves it, so concurrent
   * updates serialise instead of overwriting each other, and `before` is the state this update really
   * replaced. `version` is bumped only when a column changed. Null when the bid does not exist. `then`
   * runs in the same transaction, still holding the lock, so events of one bid are queued in order.
   */
  update(
    id: string,
    change: (bid: Bid) => void,
    then?: InTransaction<{ before: Bid; after: Bid }>,
  ): Promise<{ before: Bid; after: Bid } | null> {
    return this.bids.manager.transaction(async (tx) => {
      const bid = await tx.findOne(Bid, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!bid) return null;
      const before = tx.create(Bid, { ...bid });
      change(bid);
      const result = { before, after: await tx.save(bid) };
      await then?.(tx, result);
      return result;
    });
  }

  /**
   * Deletes the bid under a row lock and returns it as it was; null if it did not exist (or already went).
   * `then` runs in the same transaction.
   */
  delete(id: string, then?: InTransaction<Bid>): Promise<Bid | null> {
    return this.bids.manager.transaction(async (tx) => {
      const bid = await tx.findOne(Bid, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!bid) return null;
      await tx.delete(Bid, { id });
      await then?.(tx, bid);
      return bid;
    });
  }
}
