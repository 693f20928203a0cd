import { ServiceError, status } from '@grpc/grpc-js';
import { BidChanged, CallRecorded, createEnvelope, Topic } from '@platform/contracts';
import { InboxService } from '@platform/database';
import { KafkaService } from '@platform/service-kit';
import {
  dropSchema,
  eventually,
  readJson,
  recordTopic,
  sendJson,
  stackEnv,
  useTestService,
} from '@platform/service-kit/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import { AnalyticsCacheKeys, analyticsServiceSpec } from '../src';

/** A valid call, `minutesAgo` minutes old, with a fresh callId unless overridden. */
const aCall = (overrides: Record<string, unknown> = {}, minutesAgo = 10) => ({
  callId: `call-${randomUUID()}`,
  buyerId: 'buyer-7',
  state: 'CA',
  startedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
  durationSeconds: 125,
  revenueCents: 1250,
  outcome: 'connected',
  ...overrides,
});

describe('analytics service (real Postgres, Redis, Kafka)', () => {
  const schema = `analytics_main_${randomBytes(4).toString('hex')}`;
  const service = useTestService(analyticsServiceSpec(), 'analytics', {
    // A schema of its own: the shared `analytics` schema may hold another branch's migrations.
    DB_SCHEMA: schema,
    CACHE_PREFIX: `${schema}:`,
    KAFKA_GROUP_ID: `analytics-${schema}`,
    // Calls reported over REST/gRPC only: the calls other suites' won bids sell on the shared
    // `bid.bid.changed.v1` topic (replayed by a new consumer group) would add to its figures.
    ANALYTICS_CALLS_FROM_BIDS: 'false',
  });
  afterAll(async () => dropSchema(stackEnv()['DATABASE_URL'], schema), 60000);

  const post = (path: string, body: unknown) => sendJson('POST', `${service.httpUrl}${path}`, body);

  const fieldsOf = async (response: Response): Promise<string[]> =>
    ((await readJson(response)).fields ?? []).map((f: { field: string }) => f.field);

  describe('REST and gRPC', () => {
    it('should read over gRPC a call recorded over REST', async () => {
      const call = aCall();
      const response = await post('/analytics/calls', call);
      expect(response.status).toBe(201);
      const created = await readJson(response);
      expect(created).toMatchObject({ ...call, id: expect.any(String), createdAt: expect.any(String) });

      const { record } = await service.grpc.call('getCallRecord', { id: created.id });
      expect(record).toMatchObject({
        id: created.id,
        callId: call.callId,
        buyerId: 'buyer-7',
        state: 'CA',
        startedAt: call.startedAt,
        durationSeconds: 125,
        revenueCents: 1250,
        outcome: 1,
      });

      const read = await fetch(`${service.httpUrl}/analytics/calls/${created.id}`);
      expect(read.status).toBe(200);
      expect(await readJson(read)).toEqual(created);
    });

    it('should list a buyer’s calls newest first over gRPC and REST, within from/to', async () => {
      const buyerId = `buyer-${randomUUID()}`;
      const older = await readJson(await post('/analytics/calls', aCall({ buyerId }, 60)));
      const newer = await readJson(await post('/analytics/calls', aCall({ buyerId, outcome: 'missed' }, 30)));
      await post('/analytics/calls', aCall({}, 45)); // another buyer's call, same window

      const { records } = await service.grpc.call('listCallRecords', { buyerId, limit: 0 });
      expect(records.map((r: { id: string }) => r.id)).toEqual([newer.id, older.id]);
      expect(records[0].outcome).toBe(2);

      const { records: limited } = await service.grpc.call('listCallRecords', { buyerId, limit: 1 });
      expect(limited.map((r: { id: string }) => r.id)).toEqual([newer.id]);

      const from = new Date(Date.now() - 50 * 60_000).toISOString();
      const to = new Date(Date.now() - 20 * 60_000).toISOString();
      const windowed = await fetch(
        `${service.httpUrl}/analytics/calls?buyerId=${buyerId}&from=${from}&to=${to}`,
      );
      expect(windowed.status).toBe(200);
      expect((await readJson(windowed)).map((r: { id: string }) => r.id)).toEqual([newer.id]);

      const { records: viaGrpc } = await service.grpc.call('listCallRecords', {
        buyerId,
        to: older.startedAt,
        limit: 0,
      });
      expect(viaGrpc).toEqual([]); // `to` is exclusive
    });

    it('should record over gRPC with the outcome as the proto enum', async () => {
      const call = aCall({ outcome: 4 });
      const { record } = await service.grpc.call('recordCall', call);
      expect(record).toMatchObject({ callId: call.callId, outcome: 4, state: 'CA' });
      const read = await readJson(await fetch(`${service.httpUrl}/analytics/calls/${record.id}`));
      expect(read).toMatchObject({ callId: call.callId, outcome: 'failed' });
    });

    it('should answer 409 CALL_RECORD.DUPLICATE for a second record of a callId, over both transports', async () => {
      const call = aCall();
      expect((await post('/analytics/calls', call)).status).toBe(201);

      const again = await post('/analytics/calls', { ...call, revenueCents: 1 });
      expect(again.status).toBe(409);
      expect(await readJson(again)).toMatchObject({ code: 'CALL_RECORD.DUPLICATE' });

      await expect(service.grpc.call('recordCall', { ...call, outcome: 1 })).rejects.toMatchObject({
        code: status.ALREADY_EXISTS,
        details: expect.stringContaining('CALL_RECORD.DUPLICATE'),
      });
    });

    it('should answer 404 with a stable code for an unknown record, over both transports', async () => {
      const id = randomUUID();
      const response = await fetch(`${service.httpUrl}/analytics/calls/${id}`);
      expect(response.status).toBe(404);
      expect(await readJson(response)).toMatchObject({ code: 'CALL_RECORD.NOT_FOUND' });
      await expect(service.grpc.call('getCallRecord', { id })).rejects.toMatchObject({
        code: status.NOT_FOUND,
        details: expect.stringContaining('CALL_RECORD.NOT_FOUND'),
      });
    });
  });

  describe('cached revenue route', () => {
    it("should take the analytics namespace's TTLs (set once, in forFeature): 24 h at the edge", async () => {
      const buyerId = `buyer-${randomUUID()}`;
      // No routing criteria, cached as such, so the view needs no routing service.
      const cache = service.app.get<TieredCache>(CACHE_INSTANCE);
      await cache.set(AnalyticsCacheKeys.buyerRouting(buyerId), null, { ttl: '1h' });
      const response = await fetch(`${service.httpUrl}/analytics/revenue/${buyerId}?period=2025-03`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toMatch(/^public, .*s-maxage=86400/);
    });
  });

  describe('bad input', () => {
    it('should return 400 naming each invalid field', async () => {
      const response = await post(
        '/analytics/calls',
        aCall({ state: 'ca', durationSeconds: -1, outcome: 'busy' }),
      );
      expect(response.status).toBe(400);
      const body = await readJson(response);
      expect(body.code).toBe('VALIDATION.FAILED');
      expect(body.fields.map((f: { field: string }) => f.field).sort()).toEqual([
        'durationSeconds',
        'outcome',
        'state',
      ]);
      expect(body).not.toHaveProperty('stack');

      const unknownState = await post('/analytics/calls', aCall({ state: 'XX' }));
      expect(unknownState.status).toBe(400);
      expect(await fieldsOf(unknownState)).toEqual(['state']);

      const tooMuch = await post('/analytics/calls', aCall({ revenueCents: 10_000_001, callId: 'bad id!' }));
      expect(tooMuch.status).toBe(400);
      expect((await fieldsOf(tooMuch)).sort()).toEqual(['callId', 'revenueCents']);
    });

    it('should accept startedAt up to 5 minutes ahead and reject it further in the future', async () => {
      const soon = await post(
        '/analytics/calls',
        aCall({ startedAt: new Date(Date.now() + 60_000).toISOString() }),
      );
      expect(soon.status).toBe(201);

      const future = await post(
        '/analytics/calls',
        aCall({ startedAt: new Date(Date.now() + 3_600_000).toISOString() }),
      );
      expect(future.status).toBe(400);
      const body = await readJson(future);
      expect(body.fields).toEqual([
        { field: 'startedAt', message: 'must not be more than 5 minutes in the future' },
      ]);

      const notADate = await post('/analytics/calls', aCall({ startedAt: 'yesterday' }));
      expect(notADate.status).toBe(400);
      expect(await fieldsOf(notADate)).toEqual(['startedAt']);
    });

    it('should return 400 naming `to` when it is not after `from`', async () => {
      const from = '2025-01-02T00:00:00Z';
      const response = await fetch(`${service.httpUrl}/analytics/calls?from=${from}&to=2025-01-01T00:00:00Z`);
      expect(response.status).toBe(400);
      expect(await fieldsOf(response)).toEqual(['to']);

      const same = await fetch(`${service.httpUrl}/analytics/calls?from=${from}&to=${from}`);
      expect(same.status).toBe(400);
      expect(await fieldsOf(same)).toEqual(['to']);

      await expect(
        service.grpc.call('listCallRecords', { from, to: '2025-01-01T00:00:00Z', limit: 0 }),
      ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('to:') });
    });

    it('should return 400 for unknown fields, malformed JSON, a malformed id and a bad limit', async () => {
      const unknown = await post('/analytics/calls', aCall({ admin: true }));
      expect(unknown.status).toBe(400);
      expect((await readJson(unknown)).fields).toEqual([{ field: 'admin', message: 'should not exist' }]);

      const malformed = await post('/analytics/calls', '{"callId": ');
      expect(malformed.status).toBe(400);

      const badId = await fetch(`${service.httpUrl}/analytics/calls/not-a-uuid`);
      expect(badId.status).toBe(400);
      expect(await fieldsOf(badId)).toEqual(['id']);

      const badLimit = await fetch(`${service.httpUrl}/analytics/calls?limit=501`);
      expect(badLimit.status).toBe(400);
      expect(await fieldsOf(badLimit)).toEqual(['limit']);
    });

    it('should return INVALID_ARGUMENT naming the field over gRPC, including an unspecified outcome', async () => {
      await expect(service.grpc.call('recordCall', aCall({ outcome: 0 }))).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringMatching(/^VALIDATION\.FAILED: outcome: /),
      });
      // Proto defaults: an empty request arrives as '' and 0 for every field.
      const empty = service.grpc.call('recordCall', {});
      await expect(empty).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
      const details: string = (await empty.catch((error: ServiceError) => error)).details;
      for (const field of ['callId', 'buyerId', 'state', 'startedAt', 'outcome']) {
        expect(details).toContain(`${field}:`);
      }
      await expect(service.grpc.call('getCallRecord', { id: 'nope' })).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('id:'),
      });
    });
  });

  describe('events', () => {
    it('should publish analytics.call.recorded.v1 when a call is recorded', async () => {
      const recording = await recordTopic(Topic.CallRecorded);
      try {
        const call = aCall({ buyerId: 'buyer-events', outcome: 'rejected' });
        const created = await readJson(await post('/analytics/calls', call));
        const received = (await recording.waitFor((m) => m.key?.toString() === created.id)).map(
          (m): CallRecorded.Value => JSON.parse(m.value?.toString() ?? 'null'),
        );
        const [event] = received;
        expect(CallRecorded.Value.safeParse(event).success).toBe(true);
        expect(event).toMatchObject({
          entity: 'call-record',
          entityId: created.id,
          op: 'created',
          version: 1,
          before: null,
          after: {
            id: created.id,
            callId: call.callId,
            buyerId: 'buyer-events',
            state: 'CA',
            startedAt: call.startedAt,
            durationSeconds: 125,
            revenueCents: 1250,
            outcome: 'rejected',
          },
        });
      } finally {
        await recording.stop();
      }
    }, 60000);

    it('should consume bid.bid.changed.v1 once per eventId, and skip a malformed one', async () => {
      const producer = await service.app.get(KafkaService).producer();
      const bidId = randomUUID();
      const snapshot: BidChanged.Snapshot = {
        id: bidId,
        callId: 'call-1',
        buyerId: 'buyer-7',
        amountCents: 1250,
        currency: 'USD',
        status: 'won',
      };
      const event = createEnvelope({
        entity: 'bid' as const,
        entityId: bidId,
        op: 'updated',
        version: 2,
        before: { ...snapshot, status: 'active' as const },
        after: snapshot,
      });
      const malformed = { ...event, eventId: randomUUID(), after: { ...snapshot, amountCents: -1 } };
      const send = (value: string) =>
        producer.send({ topic: Topic.BidChanged, messages: [{ key: bidId, value }] });
      await send('{"not":"an event"}');
      await send(JSON.stringify(malformed));
      await send(JSON.stringify(event));
      await send(JSON.stringify(event)); // duplicate delivery

      const inbox = service.app.get(InboxService);
      // Generous: right after a broker restart the consumer group's first join can take a while.
      await eventually(() => inbox.has(event.eventId), 40000);
      expect(BidChanged.Value.safeParse(event).success).toBe(true);
      expect(await inbox.has(malformed.eventId)).toBe(false);
      // Recorded exactly once: a second recordOnce for the same event is refused.
      expect(
        await inbox.recordOnce({ eventId: event.eventId, topic: Topic.BidChanged, entityId: bidId }),
      ).toBe(false);
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
