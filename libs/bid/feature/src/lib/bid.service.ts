import { Injectable } from '@nestjs/common';
import { Bid, BidRepository } from '@platform/bid-data-access';
import { BidChanged, ChangeOp, createEnvelope, Topic } from '@platform/contracts';
import { OutboxService } from '@platform/database';
import { NotFoundError } from '@platform/service-kit';
import type { EntityManager } from 'typeorm';
import { CreateBidDto, UpdateBidDto } from './dto/bid.dto';
import { toBidSnapshot } from './bid.mapper';

/**
 * Bid use cases; transport-neutral (REST and gRPC controllers both call it). Every change queues its
 * `bid.bid.changed.v1` event in the outbox inside the change's own transaction: both commit or neither.
 */
@Injectable()
export class BidService {
  constructor(
    private readonly bids: BidRepository,
    private readonly outbox: OutboxService,
  ) {}

  /** Creates a pending bid and announces it. */
  create(input: CreateBidDto): Promise<Bid> {
    return this.bids.create(
      {
        callId: input.callId,
        buyerId: input.buyerId,
        amountCents: input.amountCents,
        currency: input.currency ?? 'USD',
        expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
      },
      (tx, bid) => this.announce(tx, 'created', bid.id, bid.version, null, toBidSnapshot(bid)),
    );
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
    const result = await this.bids.update(
      id,
      (bid) => {
        if (patch.status !== undefined) bid.status = patch.status;
        if (patch.amountCents !== undefined) bid.amountCents = patch.amountCents;
      },
      async (tx, { before, after }) => {
        if (after.version === before.version) return;
        await this.announce(
          tx,
          'updated',
          after.id,
          after.version,
          toBidSnapshot(before),
          toBidSnapshot(after),
        );
      },
    );
    if (!result) throw new NotFoundError('bid', id);
    return result.after;
  }

  /** Deletes the bid, or `BID.NOT_FOUND` (also for the loser of two concurrent deletes). */
  async delete(id: string): Promise<void> {
    const gone = await this.bids.delete(id, (tx, bid) =>
      // A deletion is a change like any other: it gets the next version, so consumers can order it.
      this.announce(tx, 'deleted', bid.id, bid.version + 1, toBidSnapshot(bid), null),
    );
    if (!gone) throw new NotFoundError('bid', id);
  }

  private announce(
    tx: EntityManager,
    op: ChangeOp,
    bidId: string,
    version: number,
    before: BidChanged.Snapshot | null,
    after: BidChanged.Snapshot | null,
  ): Promise<void> {
    return this.outbox.add(
      tx,
      Topic.BidChanged,
      createEnvelope({ entity: 'bid' as const, entityId: bidId, op, version, before, after }),
    );
  }
}
