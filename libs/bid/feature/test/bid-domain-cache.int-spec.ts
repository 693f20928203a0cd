import { status } from '@grpc/grpc-js';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { InboxService } from '@platform/database';
import {
  eventually,
  readJson,
  readOutbox,
  sendJson,
  useIsolatedService,
} from '@platform/service-kit/testing';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { BidCacheKeys, BidExpiryJob, bidServiceSpec, BidWarmerJob } from '../src';

/**
 * The bid domain through its cache on the real stack: the spec's keys filled by reads (and by creation),
 * evicted by status changes, the lifecycle's legal transitions, and the expiry job. Own schema, cache
 * prefix and consumer group, so parallel suites do not collide.
 */
describe('bid service: lifecycle and cache keys (real Postgres, Redis, Kafka)', () => {
  const { service, schema, databaseUrl } = useIsolatedService(bidServiceSpec(), 'bid', {
    schemaPrefix: 'bid_dc',
    dropTimeoutMs: 30000,
  });

  const cache = () => service.app.get<TieredCache>(CACHE_INSTANCE);
  const url = (path: string) => `${service.httpUrl}${path}`;
  const create = async (body: Record<string, unknown> = {}) => {
    const response = await sendJson('POST', url('/bids'), {
      callId: `call-${randomUUID()}`,
      buyerId: `buyer-${randomUUID()}`,
      amountCents: 700,
      ...body,
    });
    expect(response.status).toBe(201);
    return readJson(response);
  };
  const consumed = async (bidId: string) => {
    const events = await readOutbox(databaseUrl, schema, bidId);
    const inbox = service.app.get(InboxService);
    await eventually(async () => {
      for (const row of events) if (!(await inbox.has(row.payload.eventId))) return false;
      return true;
    }, 40000);
  };
  const deleteRow = async (id: string) => {
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query(`DELETE FROM "${schema}".bids WHERE id = $1`, [id]);
    await db.end();
  };

  it('should create bids active and cache them on creation, so the first read is a hit (even after the create event)', async () => {
    const bid = await create();
    expect(bid).toMatchObject({ status: 'active', version: 1 });
    expect(await cache().get(BidCacheKeys.bid(bid.id))).toEqual(bid);
    await consumed(bid.id);
    // Gone from Postgres behind the service's back: only the entry filled on creation can answer.
    await deleteRow(bid.id);
    const read = await fetch(url(`/bids/${bid.id}`));
    expect(read.status).toBe(200);
    expect(await readJson(read)).toEqual(bid);
  }, 60000);

  it('should fill bids:call:{callID} and bids:buyer:{buyerID}:active on read and evict them, and bid:{bidID}, on a status change', async () => {
    const buyerId = `buyer-${randomUUID()}`;
    await cache().set(BidCacheKeys.buyerRouting(buyerId), null, { ttl: '1h' }); // no routing criteria
    const bid = await create({ buyerId });
    await consumed(bid.id); // the create event evicts both lists: read after it
    const callBids = await readJson(await fetch(url(`/bids/calls/${bid.callId}`)));
    expect(callBids).toEqual([bid]);
    const active = await readJson(await fetch(url(`/bids/buyers/${buyerId}/active`)));
    expect(active.bids.map((b: { id: string }) => b.id)).toEqual([bid.id]);
    expect(await cache().get(BidCacheKeys.byCall(bid.callId))).toEqual([bid]);
    expect(await cache().get(BidCacheKeys.activeByBuyer(buyerId))).toBeDefined();

    const won = await sendJson('PATCH', url(`/bids/${bid.id}`), { status: 'won' });
    expect(won.status).toBe(200);
    for (const key of [BidCacheKeys.bid(bid.id), BidCacheKeys.byCall(bid.callId)]) {
      expect(await cache().get(key)).toBeUndefined();
    }
    // The active view was read, so it is refilled right after its eviction: with the new state, never the old.
    const view = (await cache().get(BidCacheKeys.activeByBuyer(buyerId))) as { bids: unknown[] } | undefined;
    expect(view?.bids ?? []).toEqual([]);
    expect((await readJson(await fetch(url(`/bids/buyers/${buyerId}/active`)))).bids).toEqual([]);
    expect(await readJson(await fetch(url(`/bids/calls/${bid.callId}`)))).toEqual([
      expect.objectContaining({ id: bid.id, status: 'won' }),
    ]);
  }, 60000);

  it('should serve the call list and the buyer’s active bids over gRPC', async () => {
    const buyerId = `buyer-${randomUUID()}`;
    await cache().set(BidCacheKeys.buyerRouting(buyerId), null, { ttl: '1h' });
    const bid = await create({ buyerId });
    const { bids } = await service.grpc.call('listCallBids', { callId: bid.callId });
    expect(bids).toEqual([expect.objectContaining({ id: bid.id, status: 2 })]);
    const active = await service.grpc.call('listBuyerActiveBids', { buyerId });
    expect(active).toEqual({
      buyerId,
      bids: [{ bid: expect.objectContaining({ id: bid.id }), eligible: false }],
    });
  });

  it('should refuse an illegal transition with 409 / FAILED_PRECONDITION naming both states', async () => {
    const bid = await create();
    expect((await sendJson('PATCH', url(`/bids/${bid.id}`), { status: 'lost' })).status).toBe(200);
    const back = await sendJson('PATCH', url(`/bids/${bid.id}`), { status: 'active' });
    expect(back.status).toBe(409);
    const problem = await readJson(back);
    expect(problem.code).toBe('BID.ILLEGAL_TRANSITION');
    expect(problem.message).toContain('from lost to active');
    await expect(service.grpc.call('updateBid', { id: bid.id, status: 3 })).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringContaining('from lost to won'),
    });
    expect(await readJson(await fetch(url(`/bids/${bid.id}`)))).toMatchObject({ status: 'lost', version: 2 });
  });

  it('should expire overdue active bids through the outbox, evicting the buyer’s active list, on a registered cron', async () => {
    expect(service.app.get(SchedulerRegistry).getCronJob('bid-expiry')).toBeDefined();
    const buyerId = `buyer-${randomUUID()}`;
    await cache().set(BidCacheKeys.buyerRouting(buyerId), null, { ttl: '1h' });
    const overdue = await create({ buyerId, expiresAt: new Date(Date.now() - 1000).toISOString() });
    const later = await create({ buyerId, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    const listed = await readJson(await fetch(url(`/bids/buyers/${buyerId}/active`)));
    expect(listed.bids).toHaveLength(2);

    await service.app.get(BidExpiryJob).run(new Date());
    expect(await readJson(await fetch(url(`/bids/${overdue.id}`)))).toMatchObject({ status: 'expired' });
    expect(await readJson(await fetch(url(`/bids/${later.id}`)))).toMatchObject({ status: 'active' });
    const active = await readJson(await fetch(url(`/bids/buyers/${buyerId}/active`)));
    expect(active.bids.map((b: { id: string }) => b.id)).toEqual([later.id]);
    const events = await readOutbox(databaseUrl, schema, overdue.id);
    expect(events.map((row) => row.payload.op)).toEqual(['created', 'updated']);
    expect(events[1].payload).toMatchObject({ after: { status: 'expired' } });
  }, 60000);

  it('should answer 400 / INVALID_ARGUMENT naming the field for a malformed call or buyer id', async () => {
    const rest = await fetch(url(`/bids/calls/${'x'.repeat(65)}`));
    expect(rest.status).toBe(400);
    expect((await readJson(rest)).fields.map((f: { field: string }) => f.field)).toEqual(['callId']);
    await expect(service.grpc.call('listCallBids', { callId: '' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('callId'),
    });
    await expect(service.grpc.call('listBuyerActiveBids', { buyerId: 'a b' })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('buyerId'),
    });
  });

  it('should pre-warm the active bids of the top buyers by bid value, and not the others', async () => {
    const top = `buyer-${randomUUID()}`;
    await cache().set(BidCacheKeys.buyerRouting(top), null, { ttl: '1h' });
    await create({ buyerId: top, amountCents: 9_999_999 });
    await consumed((await create({ buyerId: top, amountCents: 9_999_999 })).id);
    const small = `buyer-${randomUUID()}`;
    await consumed((await create({ buyerId: small, amountCents: 1 })).id);
    expect(await service.app.get(BidWarmerJob).warm(1)).toBe(1);
    expect(await cache().get(BidCacheKeys.activeByBuyer(top))).toMatchObject({ buyerId: top });
    expect(await cache().get(BidCacheKeys.activeByBuyer(small))).toBeUndefined();
  }, 60000);
});
