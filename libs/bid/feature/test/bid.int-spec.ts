import { status } from '@grpc/grpc-js';
import { bidServiceSpec } from '../src';
import { BuyerRoutingChanged, createEnvelope, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';
import { KafkaService } from '@platform/service-kit';
import { eventually, readJson, sendJson, useTestService } from '@platform/service-kit/testing';
import { randomUUID } from 'node:crypto';

describe('bid service (real Postgres, Redis, Kafka)', () => {
  const service = useTestService(bidServiceSpec(), 'bid');

  const post = (path: string, body: unknown) => sendJson('POST', `${service.httpUrl}${path}`, body);

  describe('REST and gRPC', () => {
    it('should read over gRPC a bid created over REST', async () => {
      const callId = `call-${randomUUID()}`;
      const response = await post('/bids', { callId, buyerId: 'buyer-7', amountCents: 1250 });
      expect(response.status).toBe(201);
      const created = await readJson(response);
      expect(created).toMatchObject({
        callId,
        buyerId: 'buyer-7',
        status: 'active',
        currency: 'USD',
        version: 1,
      });

      const { bid } = await service.grpc.call('getBid', { id: created.id });
      expect(bid).toMatchObject({ id: created.id, callId, buyerId: 'buyer-7', amountCents: 1250, status: 2 });

      const { bids } = await service.grpc.call('listBids', { callId, limit: 0 });
      expect(bids.map((b: { id: string }) => b.id)).toEqual([created.id]);
    });

    it('should update over gRPC and read the new state over REST', async () => {
      const created = await readJson(
        await post('/bids', { callId: `call-${randomUUID()}`, buyerId: 'b', amountCents: 5 }),
      );
      const { bid } = await service.grpc.call('updateBid', { id: created.id, status: 3 });
      expect(bid).toMatchObject({ status: 3, version: 2 });
      const read = await readJson(await fetch(`${service.httpUrl}/bids/${created.id}`));
      expect(read).toMatchObject({ status: 'won', version: 2 });
    });

    it('should answer 404 with a stable code for an unknown bid, over both transports', async () => {
      const id = randomUUID();
      const response = await fetch(`${service.httpUrl}/bids/${id}`);
      expect(response.status).toBe(404);
      expect(await readJson(response)).toMatchObject({ code: 'BID.NOT_FOUND' });
      await expect(service.grpc.call('getBid', { id })).rejects.toMatchObject({ code: status.NOT_FOUND });
    });
  });

  describe('bad input', () => {
    it('should return 400 naming each invalid field', async () => {
      const response = await post('/bids', { callId: '', buyerId: 'b', amountCents: -1, currency: 'usd' });
      expect(response.status).toBe(400);
      const body = await readJson(response);
      expect(body.code).toBe('VALIDATION.FAILED');
      expect(body.fields.map((f: { field: string }) => f.field).sort()).toEqual(
        expect.arrayContaining(['amountCents', 'callId', 'currency']),
      );
      expect(body).not.toHaveProperty('stack');
      expect(response.headers.get('x-powered-by')).toBeNull();
    });

    it('should return 400 for unknown fields, malformed JSON and a malformed id', async () => {
      const unknown = await post('/bids', { callId: 'c', buyerId: 'b', amountCents: 1, admin: true });
      expect(unknown.status).toBe(400);
      expect((await readJson(unknown)).fields).toEqual([{ field: 'admin', message: 'should not exist' }]);

      const malformed = await post('/bids', '{"callId": ');
      expect(malformed.status).toBe(400);

      const badId = await fetch(`${service.httpUrl}/bids/not-a-uuid`);
      expect(badId.status).toBe(400);
      expect((await readJson(badId)).fields[0].field).toBe('id');

      const badQuery = await fetch(`${service.httpUrl}/bids?limit=100000`);
      expect(badQuery.status).toBe(400);
      expect((await readJson(badQuery)).fields[0].field).toBe('limit');
    });

    it('should refuse null, impossible or offset-less dates, NUL characters and oversized bodies as client errors', async () => {
      const created = await readJson(
        await post('/bids', { callId: `call-${randomUUID()}`, buyerId: 'b', amountCents: 1 }),
      );
      const patch = (body: unknown) => sendJson('PATCH', `${service.httpUrl}/bids/${created.id}`, body);
      const nullStatus = await patch({ status: null });
      expect(nullStatus.status).toBe(400);
      expect((await readJson(nullStatus)).fields[0].field).toBe('status');

      for (const expiresAt of ['2026-02-30T00:00:00Z', '2026-01-01T10:00:00', '2026-W05', '20260101']) {
        const response = await post('/bids', { callId: 'c', buyerId: 'b', amountCents: 1, expiresAt });
        expect({ expiresAt, status: response.status }).toEqual({ expiresAt, status: 400 });
        expect((await readJson(response)).fields[0].field).toBe('expiresAt');
      }

      const nul = await fetch(`${service.httpUrl}/bids?callId=%00`);
      expect(nul.status).toBe(400);
      expect((await readJson(nul)).fields).toEqual([
        { field: 'callId', message: 'must not contain NUL characters' },
      ]);

      const huge = await post('/bids', {
        callId: 'c',
        buyerId: 'b',
        amountCents: 1,
        pad: 'x'.repeat(200_000),
      });
      expect(huge.status).toBe(413);
      expect(await readJson(huge)).toMatchObject({ code: 'HTTP.413' });
    });

    it('should keep the version and report the bid unchanged for a PATCH that changes nothing', async () => {
      const created = await readJson(
        await post('/bids', { callId: `call-${randomUUID()}`, buyerId: 'b', amountCents: 7 }),
      );
      const response = await sendJson('PATCH', `${service.httpUrl}/bids/${created.id}`, { amountCents: 7 });
      expect(response.status).toBe(200);
      expect(await readJson(response)).toMatchObject({ amountCents: 7, version: 1 });
    });

    it('should let exactly one of two concurrent deletes succeed', async () => {
      const created = await readJson(
        await post('/bids', { callId: `call-${randomUUID()}`, buyerId: 'b', amountCents: 1 }),
      );
      const statuses = await Promise.all(
        [0, 1].map(
          async () => (await fetch(`${service.httpUrl}/bids/${created.id}`, { method: 'DELETE' })).status,
        ),
      );
      expect(statuses.sort()).toEqual([204, 404]);
    });

    it('should return INVALID_ARGUMENT naming the field over gRPC', async () => {
      await expect(
        service.grpc.call('createBid', { callId: 'c', buyerId: 'b', amountCents: -3 }),
      ).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('amountCents'),
      });
      await expect(service.grpc.call('getBid', { id: 'nope' })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('id'),
      });
    });
  });

  describe('events', () => {
    it('should consume routing.buyer.changed.v1 once per eventId, and skip a malformed one', async () => {
      const producer = await service.app.get(KafkaService).producer();
      const event = createEnvelope({
        entity: 'buyer' as const,
        entityId: `buyer-${randomUUID()}`,
        op: 'updated',
        version: 2,
        before: null,
        after: {
          buyerId: 'x',
          states: ['CA'],
          minBidCents: 100,
          maxConcurrentCalls: 5,
          priority: 1,
          active: true,
        },
      });
      const send = (value: string) =>
        producer.send({ topic: Topic.BuyerRoutingChanged, messages: [{ key: event.entityId, value }] });
      await send('{"not":"an event"}');
      await send(JSON.stringify(event));
      await send(JSON.stringify(event)); // duplicate delivery

      const inbox = service.app.get(InboxService);
      await eventually(() => inbox.has(event.eventId), 40000);
      expect(BuyerRoutingChanged.Value.safeParse(event).success).toBe(true);
    }, 60000);
  });

  describe('health', () => {
    it('should report live and ready with every dependency up', async () => {
      expect((await fetch(`${service.httpUrl}/health/live`)).status).toBe(200);
      expect((await fetch(`${service.httpUrl}/health/ready`)).status).toBe(200);
      const health = await fetch(`${service.httpUrl}/health`);
      const body = await readJson(health);
      expect(health.status).toBe(200);
      expect(body.status).toBe('ok');
      expect(Object.keys(body.details).sort()).toEqual([
        'cacheCircuitBreaker',
        'kafka',
        'lifecycle',
        'postgres',
        'redis',
        'redisCluster',
      ]);
    });
  });
});
