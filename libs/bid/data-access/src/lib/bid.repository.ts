import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, Repository } from 'typeorm';
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

  /** Inserts a bid and returns it with its generated id, version and timestamps. */
  create(data: Pick<Bid, 'callId' | 'buyerId' | 'amountCents' | 'currency' | 'expiresAt'>): Promise<Bid> {
    return this.bids.save(this.bids.create({ ...data, status: 'pending' }));
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

  /** Saves changed fields (bumps `version`). */
  save(bid: Bid): Promise<Bid> {
    return this.bids.save(bid);
  }

  /** Deletes the bid; false if it did not exist. */
  async delete(id: string): Promise<boolean> {
    const result = await this.bids.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}
