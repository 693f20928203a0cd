import { status } from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import { BuyerRoutingChanged, createEnvelope, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';
import { InvalidationApplier, KafkaService } from '@platform/service-kit';
import { eventually, JsonBody, recordTopic, sendJson, useTestService } from '@platform/service-kit/testing';
import type { KafkaMessage } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { routingServiceSpec } from '../src';

/** gRPC answers are plain objects decoded from the .proto at runtime. */
type Reply = JsonBody;
const buyerId = () => `buyer-${randomUUID()}`;

describe('routing service (real Postgres, Redis, Kafka)', () => {
  const service = useTestService(routingServiceSpec(), 'routing');

  const put = (path: string, body: unknown) => sendJson('PUT', `${service.httpUrl}${path}`, body);
  const criteria = (overrides: object = {}) => ({
    states: ['CA', 'NY'],
    minBidCents: 1500,
    maxConcurrentCalls: 4,
    ...overrides,
  });

  describe('REST and gRPC', () => {
    it('should upsert over REST (201 then 200) and read over gRPC, also listed by state', async () => {
      const id = buyerId();
      const response = await put(`/routing/buyers/${id}`, criteria({ states: ['NY', 'CA', 'NY'] }));
      expect(response.status).toBe(201);
      const created: Reply = await response.json();
      expect(created).toMatchObject({
        buyerId: id,
        states: ['CA', 'NY'],
        priority: 0,
        active: true,
        version: 1,
      });

      const { criteria: read } = await service.grpc.call('getBuyerCriteria', { buyerId: id });
      expect(read).toMatchObject({
        id: created.id,
        buyerId: id,
        states: ['CA', 'NY'],
        minBidCents: 1500,
        maxConcurrentCalls: 4,
        active: true,
        version: 1,
      });

      const inCalifornia = (await service.grpc.call('listBuyerCriteria', { state: 'CA', limit: 500 }))
        .criteria;
      expect(inCalifornia.map((c: { buyerId: string }) => c.buyerId)).toContain(id);
      expect(inCalifornia.every((c: { states: string[] }) => c.states.includes('CA'))).toBe(true);
      const inTexas = (await service.grpc.call('listBuyerCriteria', { state: 'TX', limit: 500 })).criteria;
      expect(inTexas.map((c: { buyerId: string }) => c.buyerId)).not.toContain(id);
      const unfiltered = (await service.grpc.call('listBuyerCriteria', { state: '', limit: 0 })).criteria;
      expect(unfiltered.length).toBeGreaterThan(0);
      expect(unfiltered.length).toBeLessThanOrEqual(50);

      const replaced = await put(`/routing/buyers/${id}`, criteria({ priority: 7 }));
      expect(replaced.status).toBe(200);
      expect(await replaced.json()).toMatchObject({ id: created.id, priority: 7, version: 2 });
    });

    it('should list over REST by state and active flag', async () => {
      const active = buyerId();
      const inactive = buyerId();
      expect((await put(`/routing/buyers/${active}`, criteria({ states: ['WY'] }))).status).toBe(201);
      expect(
        (await put(`/routing/buyers/${inactive}`, criteria({ states: ['WY'], active: false }))).status,
      ).toBe(201);

      const list = async (query: string) =>
        (
          (await (await fetch(`${service.httpUrl}/routing/buyers?${query}`)).json()) as { buyerId: string }[]
        ).map((c) => c.buyerId);
      expect(await list('state=WY&limit=500')).toEqual(expect.arrayContaining([active, inactive]));
      const activeOnly = await list('state=WY&active=true&limit=500');
      expect(activeOnly).toContain(active);
      expect(activeOnly).not.toContain(inactive);
      const inactiveOnly = await list('state=WY&active=false&limit=500');
      expect(inactiveOnly).toContain(inactive);
      expect(inactiveOnly).not.toContain(active);
      expect(await list('state=NY&limit=500')).not.toContain(active);

      // Over gRPC `active` is `optional`: unset means no filter (not `false`).
      const grpcList = async (request: object) =>
        ((await service.grpc.call('listBuyerCriteria', request)).criteria as { buyerId: string }[]).map(
          (c) => c.buyerId,
        );
      expect(await grpcList({ state: 'WY', limit: 500 })).toEqual(expect.arrayContaining([active, inactive]));
      const grpcInactive = await grpcList({ state: 'WY', active: false, limit: 500 });
      expect(grpcInactive).toContain(inactive);
      expect(grpcInactive).not.toContain(active);
    });

    it('should update over gRPC and read the new state (version incremented) over REST', async () => {
      const id = buyerId();
      await put(`/routing/buyers/${id}`, criteria());
      const { criteria: updated } = await service.grpc.call('upsertBuyerCriteria', {
        buyerId: id,
        states: ['TX'],
        minBidCents: 99,
        maxConcurrentCalls: 1,
        priority: -5,
        active: true,
      });
      expect(updated).toMatchObject({ states: ['TX'], minBidCents: 99, priority: -5, version: 2 });
      const read = await (await fetch(`${service.httpUrl}/routing/buyers/${id}`)).json();
      expect(read).toMatchObject({
        states: ['TX'],
        minBidCents: 99,
        maxConcurrentCalls: 1,
        priority: -5,
        version: 2,
      });
    });

    it('should default an omitted priority/active over gRPC as REST does (0 / true)', async () => {
      const { criteria: created } = await service.grpc.call('upsertBuyerCriteria', {
        buyerId: buyerId(),
        states: ['NV'],
        minBidCents: 10,
        maxConcurrentCalls: 2,
      });
      expect(created).toMatchObject({ active: true, priority: 0, version: 1 });
    });

    it('should delete (204) and then answer 404 with a stable code, over both transports', async () => {
      const id = buyerId();
      await put(`/routing/buyers/${id}`, criteria());
      const deleted = await fetch(`${service.httpUrl}/routing/buyers/${id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(204);

      const response = await fetch(`${service.httpUrl}/routing/buyers/${id}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: 'BUYER_ROUTING.NOT_FOUND' });
      await expect(service.grpc.call('getBuyerCriteria', { buyerId: id })).rejects.toMatchObject({
        code: status.NOT_FOUND,
        details: expect.stringContaining('BUYER_ROUTING.NOT_FOUND'),
      });
      await expect(service.grpc.call('deleteBuyerCriteria', { buyerId: id })).rejects.toMatchObject({
        code: status.NOT_FOUND,
      });
      expect((await fetch(`${service.httpUrl}/routing/buyers/${id}`, { method: 'DELETE' })).status).toBe(404);
    });
  });

  describe('bad input', () => {
    const fieldsOf = async (response: Response) => {
      expect(response.status).toBe(400);
      const body: Reply = await response.json();
      expect(body.code).toBe('VALIDATION.FAILED');
      expect(body).not.toHaveProperty('stack');
      return body.fields as { field: string; message: string }[];
    };

    it('should return 400 naming each invalid field', async () => {
      const fields = await fieldsOf(
        await put(`/routing/buyers/${buyerId()}`, {
          states: ['CA', 'XX'],
          minBidCents: -1,
          maxConcurrentCalls: 1,
          priority: 5000,
        }),
      );
      expect(fields.map((f) => f.field).sort()).toEqual(['minBidCents', 'priority', 'states']);
      expect(fields.find((f) => f.field === 'states')?.message).toMatch(/US state code/);

      const lowercase = await fieldsOf(
        await put(`/routing/buyers/${buyerId()}`, criteria({ states: ['ca'] })),
      );
      expect(lowercase.map((f) => f.field)).toEqual(['states']);
      const empty = await fieldsOf(await put(`/routing/buyers/${buyerId()}`, criteria({ states: [] })));
      expect(empty.map((f) => f.field)).toEqual(['states']);
      const missing = await fieldsOf(await put(`/routing/buyers/${buyerId()}`, { states: ['CA'] }));
      expect([...new Set(missing.map((f) => f.field))].sort()).toEqual(['maxConcurrentCalls', 'minBidCents']);
    });

    it('should return 400 for unknown fields, malformed JSON, a malformed id and a bad query', async () => {
      const unknown = await fieldsOf(await put(`/routing/buyers/${buyerId()}`, criteria({ admin: true })));
      expect(unknown).toEqual([{ field: 'admin', message: 'should not exist' }]);

      const malformed = await put(`/routing/buyers/${buyerId()}`, '{"states": ');
      expect(malformed.status).toBe(400);

      const badId = await fieldsOf(await put('/routing/buyers/not%20a%20buyer', criteria()));
      expect(badId[0].field).toBe('buyerId');
      const longId = await fieldsOf(await fetch(`${service.httpUrl}/routing/buyers/${'x'.repeat(65)}`));
      expect(longId[0].field).toBe('buyerId');

      const badQuery = await fieldsOf(
        await fetch(`${service.httpUrl}/routing/buyers?state=XX&active=maybe&limit=100000`),
      );
      expect(badQuery.map((f) => f.field).sort()).toEqual(['active', 'limit', 'state']);
    });

    it('should return INVALID_ARGUMENT naming the field over gRPC', async () => {
      await expect(
        service.grpc.call('upsertBuyerCriteria', {
          buyerId: buyerId(),
          states: ['CA'],
          minBidCents: -3,
          maxConcurrentCalls: 1,
        }),
      ).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('minBidCents'),
      });
      await expect(
        service.grpc.call('upsertBuyerCriteria', {
          buyerId: buyerId(),
          states: ['XX'],
          minBidCents: 1,
          maxConcurrentCalls: 1,
        }),
      ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('states') });
      await expect(
        service.grpc.call('upsertBuyerCriteria', {
          buyerId: buyerId(),
          minBidCents: 1,
          maxConcurrentCalls: 1,
        }),
      ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('states') });
      await expect(service.grpc.call('getBuyerCriteria', { buyerId: 'no spaces' })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('buyerId'),
      });
      await expect(service.grpc.call('getBuyerCriteria', {})).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('buyerId'),
      });
      await expect(service.grpc.call('listBuyerCriteria', { state: 'ZZ' })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('state'),
      });
    });
  });

  describe('events', () => {
    it('should publish routing.buyer.changed.v1 with before/after on create, update and delete', async () => {
      const id = buyerId();
      const recording = await recordTopic(Topic.BuyerRoutingChanged);
      let received: BuyerRoutingChanged.Value[] = [];
      try {
        expect((await put(`/routing/buyers/${id}`, criteria())).status).toBe(201);
        expect((await put(`/routing/buyers/${id}`, criteria())).status).toBe(200); // no change: no event
        expect(
          (await put(`/routing/buyers/${id}`, criteria({ minBidCents: 2000, active: false }))).status,
        ).toBe(200);
        expect((await fetch(`${service.httpUrl}/routing/buyers/${id}`, { method: 'DELETE' })).status).toBe(
          204,
        );

        const ours = (m: KafkaMessage) => m.key?.toString() === id;
        await recording.waitFor(ours, 3);
        // Give a stray extra event (e.g. for the no-op upsert) a moment to show up.
        await new Promise((resolve) => setTimeout(resolve, 500));
        received = recording.messages
          .filter(ours)
          .map((m) => BuyerRoutingChanged.Value.parse(JSON.parse(m.value?.toString() ?? 'null')));
      } finally {
        await recording.stop();
      }

      const snapshot = {
        buyerId: id,
        states: ['CA', 'NY'],
        minBidCents: 1500,
        maxConcurrentCalls: 4,
        priority: 0,
        active: true,
      };
      expect(received.map((e) => [e.op, e.version])).toEqual([
        ['created', 1],
        ['updated', 2],
        ['deleted', 3],
      ]);
      expect(received.every((e) => e.entity === 'buyer' && e.entityId === id)).toBe(true);
      expect(received[0]).toMatchObject({ before: null, after: snapshot });
      expect(received[1]).toMatchObject({
        before: snapshot,
        after: { ...snapshot, minBidCents: 2000, active: false },
        changedFields: ['active', 'minBidCents'],
      });
      expect(received[2]).toMatchObject({
        before: { ...snapshot, minBidCents: 2000, active: false },
        after: null,
      });
    }, 40000);

    it('should consume routing.buyer.changed.v1 once per eventId, and skip a malformed one', async () => {
      const applied = jest.spyOn(InvalidationApplier.prototype, 'apply');
      const warn = jest.spyOn(Logger.prototype, 'warn');
      const producer = await service.app.get(KafkaService).producer();
      // Another instance's change of a buyer this one never stored: only the consumer sees it.
      const key = buyerId();
      const snapshot = (minBidCents: number) => ({
        buyerId: key,
        states: ['CA'],
        minBidCents,
        maxConcurrentCalls: 2,
        priority: 0,
        active: true,
      });
      const buyerChanged = () =>
        createEnvelope({
          entity: 'buyer' as const,
          entityId: key,
          op: 'updated',
          version: 3,
          before: snapshot(100),
          after: snapshot(200),
        });
      const event = buyerChanged();
      const sentinel = buyerChanged();
      const malformedId = randomUUID();
      const send = (value: string) =>
        producer.send({ topic: Topic.BuyerRoutingChanged, messages: [{ key, value }] });
      await send(JSON.stringify({ ...event, eventId: malformedId, entity: 'bid' }));
      await send(JSON.stringify(event));
      await send(JSON.stringify(event)); // duplicate delivery
      await send(JSON.stringify(sentinel)); // same key, same partition: handled after the duplicate

      const inbox = service.app.get(InboxService);
      await eventually(() => inbox.has(sentinel.eventId), 40000);
      expect(BuyerRoutingChanged.Value.safeParse(event).success).toBe(true);
      expect(await inbox.has(event.eventId)).toBe(true);
      expect(await inbox.has(malformedId)).toBe(false);

      // Applied to the cache once per eventId (a redelivery is deduplicated, in its batch or by the inbox),
      // and the malformed one never.
      const timesApplied = (eventId: string) =>
        applied.mock.calls.flatMap(([events]) => events).filter((e) => e.event.eventId === eventId).length;
      expect(timesApplied(event.eventId)).toBe(1);
      expect(timesApplied(sentinel.eventId)).toBe(1);
      expect(timesApplied(malformedId)).toBe(0);
      // The malformed one went to the dead-letter topic, naming the field at fault.
      expect(
        warn.mock.calls.some(([fields, message]) => {
          const { code } = fields as { code?: string };
          return (
            message === 'Sending poison records to the dead-letter topic' && code === 'CONTRACT.VIOLATION'
          );
        }),
      ).toBe(true);
    }, 60000);
  });

  describe('health', () => {
    it('should report live and ready with every dependency up', async () => {
      expect((await fetch(`${service.httpUrl}/health/live`)).status).toBe(200);
      expect((await fetch(`${service.httpUrl}/health/ready`)).status).toBe(200);
      const health = await fetch(`${service.httpUrl}/health`);
      const body: Reply = await health.json();
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
