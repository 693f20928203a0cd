import { Injectable } from '@nestjs/common';
import { Bid, BidRepository, BidStatsRepository } from '@platform/bid-data-access';
import type { Cache } from '@platform/cache';
import { InjectCache } from '@platform/cache/nest';
import { BidChanged, ChangeOp, createEnvelope, Topic } from '@platform/contracts';
import { OutboxService } from '@platform/database';
import { MAX_PAGE_LIMIT, NotFoundError } from '@platform/service-kit';
import type { EntityManager } from 'typeorm';
import { BidView, toBidSnapshot, toBidView } from './bid.mapper';
import {
  BID_CACHE_NAMESPACES,
  BidCacheKeys,
  BidNamespaceKeys,
  BidsNamespaceKeys,
} from './cache/bid-cache.keys';
import { BidReadTracker } from './cache/bid-read.tracker';
import { assertTransition } from './domain/bid-transitions';
import { CreateBidDto, UpdateBidDto } from './dto/bid.dto';

/** A committed change of one bid: its state before and after. */
export interface BidChange {
  readonly before: BidView;
  readonly after: BidView;
}

/**
 * Bid use cases; transport-neutral (REST and gRPC controllers both call it). Every change queues its
 * `bid.bid.changed.v1` event in the outbox inside the change's own transaction: both commit or neither.
 *
 * Reads go through the cache under the spec's keys (`bid:{bidID}`, `bids:call:{callID}`); a new bid is
 * cached on creation, so its first read is a hit. Changes evict through the invalidation map only (on
 * commit here, over Kafka everywhere).
 */
@Injectable()
export class BidService {
  constructor(
    private readonly bids: BidRepository,
    private readonly outbox: OutboxService,
    @InjectCache(BID_CACHE_NAMESPACES.bid.namespace) private readonly bidCache: Cache<BidView>,
    @InjectCache(BID_CACHE_NAMESPACES.bids.namespace) private readonly listCache: Cache<BidView[]>,
    private readonly reads: BidReadTracker,
    private readonly stats: BidStatsRepository,
  ) {}

  /** Called with each committed change of a bid, after the writer's own eviction is done. */
  private readonly changeListeners = new Set<(change: BidChange) => void>();

  /**
   * Adds a listener of this instance's committed bid changes (old and new state), called once the commit's
   * eviction is done; returns the function that removes it. For the refill of the entries the change evicted.
   */
  onChanged(listener: (change: BidChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Creates an active bid, announces it, and caches it as `bid:{bidID}`. */
  async create(input: CreateBidDto): Promise<BidView> {
    const bid = await this.bids.create(
      {
        callId: input.callId,
        buyerId: input.buyerId,
        amountCents: input.amountCents,
        currency: input.currency ?? 'USD',
        expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
      },
      (tx, created) =>
        this.announce(tx, 'created', created.id, created.version, null, toBidSnapshot(created)),
    );
    const view = toBidView(bid);
    // After the commit (and its evictions): the create event does not evict `bid:{bidID}` (see the map).
    await this.bidCache.set(BidNamespaceKeys.bid(view.id), view);
    return view;
  }

  /** The bid (cached as `bid:{bidID}`), or `BID.NOT_FOUND` (not cached). */
  get(id: string): Promise<BidView> {
    this.reads.record(BidCacheKeys.bid(id));
    return this.bidCache.getOrSet(BidNamespaceKeys.bid(id), () => this.load(id));
  }

  /**
   * Reloads `bid:{bidID}` from Postgres into L2 and this instance's L1, unless the bid changes again while it
   * loads (the engine then drops the value: see `Cache.refresh`). For the refill after a change.
   */
  async reload(id: string): Promise<void> {
    await this.bidCache.refresh(BidNamespaceKeys.bid(id), () => this.load(id));
  }

  private async load(id: string): Promise<BidView> {
    const bid = await this.bids.findById(id);
    if (!bid) throw new NotFoundError('bid', id);
    return toBidView(bid);
  }

  /** The bids of a call, newest first (cached as `bids:call:{callID}`). */
  listForCall(callId: string): Promise<BidView[]> {
    return this.listCache.getOrSet(BidsNamespaceKeys.byCall(callId), async () =>
      (await this.bids.list({ callId, limit: MAX_PAGE_LIMIT })).map(toBidView),
    );
  }

  /** Bids by call, buyer and/or status: an ad-hoc query, straight from Postgres. */
  async list(filter: {
    callId?: string;
    buyerId?: string;
    status?: BidChanged.BidStatus;
    limit?: number;
  }): Promise<BidView[]> {
    return (await this.bids.list({ ...filter, limit: filter.limit ?? 50 })).map(toBidView);
  }

  /**
   * Changes status (`active → won | lost | expired` only, else `BID.ILLEGAL_TRANSITION`) and/or amount under
   * a row lock; announces old and new values. A patch that changes nothing keeps the version and announces
   * nothing.
   */
  async update(id: string, patch: UpdateBidDto): Promise<BidView> {
    const result = await this.bids.update(
      id,
      (bid) => {
        if (patch.status !== undefined) {
          assertTransition(bid.status, patch.status);
          bid.status = patch.status;
        }
        if (patch.amountCents !== undefined) bid.amountCents = patch.amountCents;
      },
      (tx, change) => this.announceUpdate(tx, change),
    );
    if (!result) throw new NotFoundError('bid', id);
    this.changed(result);
    return toBidView(result.after);
  }

  /**
   * Expires the active bids whose expiry time is at or before `now` (at most `limit`), each in its own
   * transaction through the outbox, so every cache drops them. A bid that moved on meanwhile is left alone.
   * Returns how many expired.
   */
  async expireOverdue(options: { now: Date; limit: number }): Promise<number> {
    let expired = 0;
    for (const id of await this.bids.findOverdueIds(options)) {
      const result = await this.bids.update(
        id,
        (bid) => {
          if (bid.status === 'active' && bid.expiresAt !== null && bid.expiresAt <= options.now) {
            bid.status = 'expired';
          }
        },
        (tx, change) => this.announceUpdate(tx, change),
      );
      if (result && result.after.version !== result.before.version) {
        expired++;
        this.changed(result);
      }
    }
    return expired;
  }

  /** Deletes the bid, or `BID.NOT_FOUND` (also for the loser of two concurrent deletes). */
  async delete(id: string): Promise<void> {
    const gone = await this.bids.delete(id, async (tx, bid) => {
      // A deletion is a change like any other: it gets the next version, so consumers can order it.
      await this.announce(tx, 'deleted', bid.id, bid.version + 1, toBidSnapshot(bid), null);
      await this.stats.noteChanged(tx, bid.createdAt);
    });
    if (!gone) throw new NotFoundError('bid', id);
  }

  /** Tells the change listeners of a committed update that changed something. */
  private changed({ before, after }: { before: Bid; after: Bid }): void {
    if (after.version === before.version) return;
    const change = { before: toBidView(before), after: toBidView(after) };
    for (const listener of this.changeListeners) listener(change);
  }

  private async announceUpdate(
    tx: EntityManager,
    { before, after }: { before: Bid; after: Bid },
  ): Promise<void> {
    if (after.version === before.version) return;
    await this.announce(tx, 'updated', after.id, after.version, toBidSnapshot(before), toBidSnapshot(after));
    // Its creation hour's statistics, if that hour has closed, are aggregated again by the next run.
    await this.stats.noteChanged(tx, after.createdAt);
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
