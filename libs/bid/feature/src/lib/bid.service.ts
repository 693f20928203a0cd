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
    await this.announce('created', null, bid);
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

  /** Changes status and/or amount; announces old and new values. */
  async update(id: string, patch: UpdateBidDto): Promise<Bid> {
    const bid = await this.get(id);
    const before = toBidSnapshot(bid);
    if (patch.status !== undefined) bid.status = patch.status;
    if (patch.amountCents !== undefined) bid.amountCents = patch.amountCents;
    const saved = await this.bids.save(bid);
    await this.announce('updated', before, saved);
    return saved;
  }

  /** Deletes the bid, or `BID.NOT_FOUND`. */
  async delete(id: string): Promise<void> {
    const bid = await this.get(id);
    await this.bids.delete(id);
    await this.announce('deleted', toBidSnapshot(bid), null, bid);
  }

  private async announce(op: ChangeOp, before: BidChanged.Snapshot | null, after: Bid | null, gone?: Bid) {
    const subject = after ?? gone;
    if (!subject) return;
    await this.events.publish(
      Topic.BidChanged,
      createEnvelope({
        entity: 'bid' as const,
        entityId: subject.id,
        op,
        version: subject.version,
        before,
        after: after ? toBidSnapshot(after) : null,
      }),
    );
  }
}
