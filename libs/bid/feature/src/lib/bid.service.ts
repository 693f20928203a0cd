import { Injectable } from '@nestjs/common';
import { Bid, BidRepository } from '@platform/bid-data-access';
import { BidChanged, ChangeOp, createEnvelope, Topic } from '@platform/contracts';
import { EventPublisher, NotFoundError } from '@platform/service-kit';
import { CreateBidDto, UpdateBidDto } from './dto/bid.dto';
import { toBidSnapshot } from './bid.mapper';

/** Bid use cases; transport-neutral (REST and gRPC controllers both call it). */
@Injectable()
export class BidService {
  constructor(
    private readonly bids: BidRepository,
    private readonly events: EventPublisher,
  ) {}

  /** Creates a pending bid and announces it. */
  async create(input: CreateBidDto): Promise<Bid> {
    const bid = await this.bids.create({
      callId: input.callId,
      buyerId: input.buyerId,
      amountCents: input.amountCents,
      currency: input.currency ?? 'USD',
      expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
    });
    await this.announce('created', bid.id, bid.version, null, toBidSnapshot(bid));
    return bid;
  }

  /** The bid, or `BID.NOT_FOUND`. */
  async get(id: string): Promise<Bid> {
    const bid = await this.bids.findById(id);
    if (!bid) throw new NotFoundError('bid', id);
    return bid;
  }

  /** Bids by call, buyer and/or status. */
  list(filter: { callId?: string; buyerId?: string; status?: BidChanged.BidStatus; limit?: number }) {
    return this.bids.list({ ...filter, limit: filter.limit ?? 50 });
  }

  /**
   * Changes status and/or amount under a row lock; announces old and new values. A patch that changes
   * nothing keeps the version and announces nothing.
   */
  async update(id: string, patch: UpdateBidDto): Promise<Bid> {
    const result = await this.bids.update(id, (bid) => {
      if (patch.status !== undefined) bid.status = patch.status;
      if (patch.amountCents !== undefined) bid.amountCents = patch.amountCents;
    });
    if (!result) throw new NotFoundError('bid', id);
    const { before, after } = result;
    if (after.version !== before.version) {
      await this.announce('updated', after.id, after.version, toBidSnapshot(before), toBidSnapshot(after));
    }
    return after;
  }

  /** Deletes the bid, or `BID.NOT_FOUND` (also for the loser of two concurrent deletes). */
  async delete(id: string): Promise<void> {
    const gone = await this.bids.delete(id);
    if (!gone) throw new NotFoundError('bid', id);
    // A deletion is a change like any other: it gets the next version, so consumers can order it.
    await this.announce('deleted', gone.id, gone.version + 1, toBidSnapshot(gone), null);
  }

  private async announce(
    op: ChangeOp,
    bidId: string,
    version: number,
    before: BidChanged.Snapshot | null,
    after: BidChanged.Snapshot | null,
  ): Promise<void> {
    await this.events.publish(
      Topic.BidChanged,
      createEnvelope({ entity: 'bid' as const, entityId: bidId, op, version, before, after }),
    );
  }
}
