import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { readJson, sendJson } from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { BID_STALE_BOUND_MS, BidCacheKeys } from '../src';
import { BidInstancePair, startBidInstancePair } from './bid-instance-pair';

/**
 * The cross-instance stale bound on the real stack: a status change acknowledged by instance A is never
 * answered with the old status by instance B (its L1, the shared L2) or by the edge in front of B once the
 * bound the README publishes ({@link BID_STALE_BOUND_MS}) has passed. The bound is the contract, not a speed
 * target: `npm run bench:bid-stale` measures how far under it the instances really are.
 */
describe('bid service: cross-instance stale bound (two instances, Varnish, real Postgres, Redis, Kafka)', () => {
  let pair: BidInstancePair;
  beforeAll(async () => {
    pair = await startBidInstancePair({ name: 'bid_sb' });
  }, 120000);
  afterAll(() => pair?.stop(), 60000);

  const bCache = () => pair.b.app.get<TieredCache>(CACHE_INSTANCE);
  /** `GET /bids/:id` and `GET /bids/buyers/:buyerId/active` from one base URL: the status and the listed ids. */
  const read = async (base: string, bidId: string, buyerId: string) => {
    const bid = await fetch(`${base}/bids/${bidId}`);
    const active = await fetch(`${base}/bids/buyers/${buyerId}/active`);
    expect([bid.status, active.status]).toEqual([200, 200]);
    return {
      status: (await readJson(bid)).status as string,
      activeIds: ((await readJson(active)).bids as { id: string }[]).map((listed) => listed.id),
      edgeLayer: bid.headers.get('x-cache-layer'),
    };
  };

  it('should answer the new status on B, in L2 and at the edge after the published bound, every time', async () => {
    const buyerId = `buyer-${randomUUID()}`;
    pair.peers.profiles.set(buyerId, { states: ['CA'], minBidCents: 1, active: true });
    const created = await sendJson('POST', `${pair.a.httpUrl}/bids`, {
      callId: `call-${randomUUID()}`,
      buyerId,
      amountCents: 900,
    });
    expect(created.status).toBe(201);
    const bid = await readJson(created);

    // Warm both reads on A, on B and through the edge (twice: the second one would be an edge hit if stored).
    const fresh = { status: 'active', activeIds: [bid.id] };
    for (const base of [pair.a.httpUrl, pair.b.httpUrl, pair.edge.url, pair.edge.url]) {
      expect(await read(base, bid.id, buyerId)).toMatchObject(fresh);
    }
    // B holds both entries in its own L1 (and L2 has them): without an eviction B would serve them 30 s.
    expect(bCache().peek(BidCacheKeys.bid(bid.id))).toMatchObject({ status: 'active' });
    expect(bCache().peek(BidCacheKeys.activeByBuyer(buyerId))).toMatchObject({ buyerId });

    const changed = await sendJson('PATCH', `${pair.a.httpUrl}/bids/${bid.id}`, { status: 'won' });
    expect(changed.status).toBe(200);
    const acknowledgedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, acknowledgedAt + BID_STALE_BOUND_MS - Date.now()));

    // Past the bound: every layer answers the new status, read after read.
    for (let i = 0; i < 5; i++) {
      for (const base of [pair.b.httpUrl, pair.edge.url, pair.a.httpUrl]) {
        const now = await read(base, bid.id, buyerId);
        expect(now).toMatchObject({ status: 'won', activeIds: [] });
        // Bid answers are never stored at the edge (no L3 TTL for bids): the edge passes them to B.
        expect(now.edgeLayer).toBeNull();
      }
    }
    // The entry B's engine holds (its L1, else the shared L2) is the new one.
    expect(await bCache().get(BidCacheKeys.bid(bid.id))).toMatchObject({ status: 'won' });
  }, 120000);
});
