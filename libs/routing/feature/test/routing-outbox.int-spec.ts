import { Topic } from '@platform/contracts';
import { sendJson, useServiceWithoutRelay } from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';
import { routingServiceSpec } from '../src';

/**
 * Routing's changes and their `routing.buyer.changed.v1` events go through the transactional outbox:
 * both commit or neither. A schema of its own and no relay, so the rows stay where the test reads them.
 */
describe('routing service outbox (real Postgres)', () => {
  const { service, readOutbox, refuseOutboxWrites } = useServiceWithoutRelay(routingServiceSpec(), 'routing');
  const buyerUrl = (id: string) => `${service.httpUrl}/routing/buyers/${id}`;
  const criteria = (minBidCents: number) => ({ states: ['CA'], minBidCents, maxConcurrentCalls: 2 });

  it('should queue created, updated and deleted events with the change, and none for a no-op', async () => {
    const id = `buyer-${randomUUID()}`;
    expect((await sendJson('PUT', buyerUrl(id), criteria(100))).status).toBe(201);
    expect((await sendJson('PUT', buyerUrl(id), criteria(200))).status).toBe(200);
    expect((await sendJson('PUT', buyerUrl(id), criteria(200))).status).toBe(200);
    expect((await fetch(buyerUrl(id), { method: 'DELETE' })).status).toBe(204);

    const rows = await readOutbox(id);
    expect(rows.map((row) => [row.topic, row.payload.op, row.payload.version])).toEqual([
      [Topic.BuyerRoutingChanged, 'created', 1],
      [Topic.BuyerRoutingChanged, 'updated', 2],
      [Topic.BuyerRoutingChanged, 'deleted', 3],
    ]);
    expect(rows[1].payload).toMatchObject({ before: { minBidCents: 100 }, after: { minBidCents: 200 } });
  });

  it('should keep the criteria unchanged when the event cannot be queued', async () => {
    const id = `buyer-${randomUUID()}`;
    const existing = `buyer-${randomUUID()}`;
    await sendJson('PUT', buyerUrl(existing), criteria(100));
    const restore = await refuseOutboxWrites();
    try {
      expect((await sendJson('PUT', buyerUrl(id), criteria(100))).status).toBe(500);
      expect((await sendJson('PUT', buyerUrl(existing), criteria(999))).status).toBe(500);
      expect((await fetch(buyerUrl(existing), { method: 'DELETE' })).status).toBe(500);
    } finally {
      await restore();
    }
    expect((await fetch(buyerUrl(id))).status).toBe(404);
    expect(await (await fetch(buyerUrl(existing))).json()).toMatchObject({ minBidCents: 100, version: 1 });
    expect((await readOutbox(existing)).map((row) => row.payload.op)).toEqual(['created']);
  });
});
