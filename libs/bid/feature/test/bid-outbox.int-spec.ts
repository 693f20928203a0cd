import { BidChanged, Topic } from '@platform/contracts';
import { CACHE_METRICS_REGISTRY } from '@platform/cache/nest';
import { OutboxRelayService, RunningService } from '@platform/service-kit';
import {
  eventually,
  readJson,
  recordTopic,
  sendJson,
  stackEnv,
  startTestService,
  TopicRecording,
} from '@platform/service-kit/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Registry } from 'prom-client';
import { bidServiceSpec } from '../src';

/**
 * The bid service's writes and their events go through the transactional outbox: each change and its
 * `bid.bid.changed.v1` row commit together or not at all, and a row committed while no relay runs (the
 * app crashed between commit and publish) is published by the next one. Runs in a schema of its own so
 * no other test's relay publishes these rows.
 */
describe('bid service outbox (real Postgres and Kafka)', () => {
  const schema = `bid_outbox_${randomBytes(4).toString('hex')}`;
  let db: Client;
  let service: RunningService | undefined;

  const start = async (overrides: Record<string, string> = {}) => {
    // LOG_LEVEL fatal: the refused writes are logged as 500s on purpose.
    service = await startTestService(bidServiceSpec(), {
      DB_SCHEMA: schema,
      LOG_LEVEL: 'fatal',
      ...overrides,
    });
    return service;
  };
  const stop = async () => {
    await service?.app.close();
    service = undefined;
  };
  const url = (path: string) => `${service?.httpUrl}${path}`;
  const createBid = async (body: Record<string, unknown> = {}) => {
    const response = await sendJson('POST', url('/bids'), {
      callId: `call-${randomUUID()}`,
      buyerId: 'buyer-outbox',
      amountCents: 100,
      ...body,
    });
    return { status: response.status, body: await readJson(response) };
  };
  const outboxRows = async (bidId: string) =>
    (
      await db.query<{ payload: BidChanged.Value; sent_at: Date | null; message_key: string; topic: string }>(
        `SELECT payload, sent_at, message_key, topic FROM "${schema}".outbox_events
          WHERE message_key = $1 ORDER BY id`,
        [bidId],
      )
    ).rows;

  beforeAll(async () => {
    db = new Client({ connectionString: stackEnv()['DATABASE_URL'] });
    await db.connect();
  });

  afterEach(stop);

  afterAll(async () => {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
  });

  it('should queue one event per real change in the same transaction, with old and new values', async () => {
    await start({ OUTBOX_RELAY_ENABLED: 'false' });
    const { body: bid } = await createBid({ amountCents: 100 });
    await sendJson('PATCH', url(`/bids/${bid.id}`), { status: 'won' });
    await sendJson('PATCH', url(`/bids/${bid.id}`), { status: 'won' }); // no change: no event
    await fetch(url(`/bids/${bid.id}`), { method: 'DELETE' });

    const rows = await outboxRows(bid.id);
    expect(rows.map((row) => [row.payload.op, row.payload.version])).toEqual([
      ['created', 1],
      ['updated', 2],
      ['deleted', 3],
    ]);
    expect(rows.every((row) => row.topic === Topic.BidChanged && row.sent_at === null)).toBe(true);
    expect(rows[1].payload).toMatchObject({
      changedFields: ['status'],
      before: { status: 'active' },
      after: { status: 'won' },
    });
    for (const row of rows) expect(BidChanged.Value.safeParse(row.payload).success).toBe(true);
  });

  it('should write neither the change nor its event when queueing the event fails', async () => {
    await start({ OUTBOX_RELAY_ENABLED: 'false' });
    // Make the outbox insert fail for marked changes, as a full disk or a bug in the event would.
    await db.query(`
      CREATE FUNCTION "${schema}".refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.payload->'after'->>'amountCents' = '13'
           OR (NEW.payload->>'op' = 'deleted' AND NEW.payload->'before'->>'callId' LIKE 'keep-%') THEN
          RAISE EXCEPTION 'outbox write refused';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`CREATE TRIGGER refuse_outbox BEFORE INSERT ON "${schema}".outbox_events
                    FOR EACH ROW EXECUTE FUNCTION "${schema}".refuse_outbox()`);
    try {
      const callId = `call-${randomUUID()}`;
      expect((await createBid({ callId, amountCents: 13 })).status).toBe(500);
      expect(await readJson(await fetch(url(`/bids?callId=${callId}`)))).toEqual([]);

      const { body: bid } = await createBid({ amountCents: 10 });
      expect((await sendJson('PATCH', url(`/bids/${bid.id}`), { amountCents: 13 })).status).toBe(500);
      expect(await readJson(await fetch(url(`/bids/${bid.id}`)))).toMatchObject({
        amountCents: 10,
        version: 1,
      });

      const { body: kept } = await createBid({ callId: `keep-${randomUUID()}` });
      expect((await fetch(url(`/bids/${kept.id}`), { method: 'DELETE' })).status).toBe(500);
      expect((await fetch(url(`/bids/${kept.id}`))).status).toBe(200);

      expect((await outboxRows(bid.id)).map((row) => row.payload.op)).toEqual(['created']);
      expect((await outboxRows(kept.id)).map((row) => row.payload.op)).toEqual(['created']);
    } finally {
      await db.query(`DROP TRIGGER refuse_outbox ON "${schema}".outbox_events`);
      await db.query(`DROP FUNCTION "${schema}".refuse_outbox()`);
    }
  });

  describe('crash between commit and publish', () => {
    let recording: TopicRecording;

    beforeAll(async () => {
      recording = await recordTopic(Topic.BidChanged);
    });

    afterAll(async () => {
      await recording.stop();
    });

    it('should publish after the restart the events committed while no relay ran', async () => {
      // The first instance commits changes but never publishes them: the relay is off, as if the process
      // had died right after each commit.
      await start({ OUTBOX_RELAY_ENABLED: 'false' });
      const { body: bid } = await createBid();
      await sendJson('PATCH', url(`/bids/${bid.id}`), { status: 'won' });
      await stop();
      expect((await outboxRows(bid.id)).map((row) => row.sent_at)).toEqual([null, null]);

      await start(); // the restarted instance's relay finds the rows
      const ours = (m: { key: Buffer | null }) => m.key?.toString() === bid.id;
      const messages = await recording.waitFor(ours, 2, 30000);
      expect(messages.map((m) => JSON.parse(String(m.value)).version)).toEqual([1, 2]);
      expect(messages[0].headers?.['event-id']?.toString()).toBe(
        (await outboxRows(bid.id))[0].payload.eventId,
      );
      // Marked sent once the broker acknowledged, which may be just after the consumer above saw them.
      await eventually(async () => (await outboxRows(bid.id)).every((row) => row.sent_at !== null), 10000);

      // The relay reports on the registry the service serves at /metrics.
      const registry = service?.app.get<Registry>(CACHE_METRICS_REGISTRY);
      expect(service?.app.get(OutboxRelayService).registry).toBe(registry);
      const published = await registry?.getSingleMetric('outbox_events_published_total')?.get();
      const mine = published?.values.find((v) => v.labels['schema'] === schema);
      // This schema's earlier tests left unsent rows too: the restarted relay published them all.
      expect(mine).toMatchObject({ labels: { topic: Topic.BidChanged } });
      expect(mine?.value).toBeGreaterThanOrEqual(2);
    }, 90000);
  });
});
