import { createEnvelope, EventEnvelope } from '@platform/contracts';
import { loadServiceConfig, ServiceConfig } from '@platform/config';
import {
  CreateOutboxEvents1765000000000,
  dataSourceOptions,
  DatabaseSpec,
  OUTBOX_CHANNEL,
  OutboxService,
  OutboxTransactionRequiredError,
  QuietOutboxCommits1767000000000,
  runMigrations,
} from '@platform/database';
import { Admin, Kafka, KafkaMessage, logLevel, Producer } from 'kafkajs';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Client, Notification } from 'pg';
import {
  OutboxProducer,
  OutboxRelay,
  OutboxRelayLogger,
  OutboxRelayOptions,
  OutboxWakeup,
  markSentQuery,
  pendingRowsQuery,
  RELAY_SESSION_SETTING,
} from '../src';
import { eventually, recordTopic, stackEnv, TopicRecording } from '../src/testing';

const env = stackEnv();
const spec: DatabaseSpec = {
  entities: [],
  migrations: [CreateOutboxEvents1765000000000, QuietOutboxCommits1767000000000],
};

/** The envelope a message carries. */
const envelopeOf = (message: KafkaMessage): EventEnvelope =>
  JSON.parse(String(message.value)) as EventEnvelope;

/** Per key, the versions in the order they arrived, first delivery of each event only. */
const versionsByKey = (messages: KafkaMessage[]): Record<string, number[]> => {
  const seen = new Set<string>();
  const byKey: Record<string, number[]> = {};
  for (const message of messages) {
    const event = envelopeOf(message);
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    (byKey[String(message.key)] ??= []).push(event.version);
  }
  return byKey;
};

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The test's one connected producer, lent to a relay: the relay's connect/disconnect do not touch it. */
const shared = (producer: Producer): OutboxProducer => ({
  connect: async () => undefined,
  disconnect: async () => undefined,
  sendBatch: (batch) => producer.sendBatch(batch),
});

const silentLogger = (): OutboxRelayLogger & Record<'log' | 'warn' | 'error' | 'debug', jest.Mock> => ({
  log: jest.fn(),
  warn: jest.fn(),
  error: jest.fn(),
  debug: jest.fn(),
});

describe('OutboxRelay (real Postgres and Kafka)', () => {
  const schema = `outbox_${randomBytes(4).toString('hex')}`;
  let config: ServiceConfig;
  let dataSource: DataSource;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const outbox = new OutboxService();
  const relays: OutboxRelay[] = [];
  const recordings: TopicRecording[] = [];
  const topics: string[] = [];

  beforeAll(async () => {
    config = loadServiceConfig({ name: 'outbox-test', httpPort: 0, grpcPort: 0, dbSchema: schema }, env);
    await runMigrations(config, spec, 'up');
    dataSource = await new DataSource(dataSourceOptions(config, spec)).initialize();
    await dataSource.query(`CREATE TABLE "${schema}".items (id text PRIMARY KEY, value integer NOT NULL)`);
    kafka = new Kafka({
      clientId: 'outbox-spec',
      brokers: env['KAFKA_BROKERS'].split(','),
      logLevel: logLevel.NOTHING,
    });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
  }, 60000);

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await Promise.all(recordings.splice(0).map((recording) => recording.stop()));
    await dataSource.query(`TRUNCATE "${schema}".outbox_events, "${schema}".items`);
  });

  afterAll(async () => {
    await admin?.deleteTopics({ topics }).catch(() => undefined);
    await admin?.disconnect();
    await producer?.disconnect();
    await dataSource?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource?.destroy();
  });

  /** A topic of this test's own (3 partitions), already recorded from its start. */
  const newTopic = async (): Promise<{ topic: string; recording: TopicRecording }> => {
    const topic = `outbox-spec.${randomBytes(4).toString('hex')}.changed.v1`;
    topics.push(topic);
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
    const recording = await recordTopic(topic);
    recordings.push(recording);
    return { topic, recording };
  };

  const relay = (options: Partial<OutboxRelayOptions> = {}): OutboxRelay => {
    const created = new OutboxRelay({
      connectionString: config.database.url,
      schema,
      createProducer: () => shared(producer),
      logger: silentLogger(),
      maxBackoffMs: 500,
      ...options,
    });
    relays.push(created);
    return created;
  };

  /** Changes an item and queues its event in one transaction, as the services' use cases do. */
  const change = (topic: string, id: string, version: number, fail = false, via = outbox) =>
    dataSource.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO "${schema}".items (id, value) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value`,
        [id, version],
      );
      const event = createEnvelope({
        entity: 'item',
        entityId: id,
        op: version === 1 ? 'created' : 'updated',
        version,
        before: version === 1 ? null : { value: version - 1 },
        after: { value: version },
      });
      await via.add(tx, topic, event);
      if (fail) throw new Error('use case failed after queueing its event');
      return event;
    });

  /** `perKey` versions for each of `keys` entities: sequential per entity, entities in parallel. */
  const changeMany = (topic: string, keys: string[], from: number, to: number) =>
    Promise.all(
      keys.map(async (key) => {
        for (const version of range(from, to)) await change(topic, key, version);
      }),
    );

  const pending = async (): Promise<number> =>
    Number(
      (await dataSource.query(`SELECT count(*) AS n FROM "${schema}".outbox_events WHERE sent_at IS NULL`))[0]
        .n,
    );

  const metric = async (relayed: OutboxRelay, name: string): Promise<number> => {
    const found = (await relayed.registry.getMetricsAsJSON()).find((m) => m.name === name);
    return (found?.values ?? [])
      .filter((v) => v.labels['schema'] === schema)
      .reduce((sum, v) => sum + Number(v.value), 0);
  };

  describe('OutboxService.add()', () => {
    it('should commit the entity change and its event together, and a failing transaction writes neither', async () => {
      const topic = 'outbox-spec.unused.changed.v1';
      const committed = await change(topic, 'item-ok', 1);
      await expect(change(topic, 'item-bad', 1, true)).rejects.toThrow('use case failed');

      const items = await dataSource.query(`SELECT id FROM "${schema}".items ORDER BY id`);
      expect(items).toEqual([{ id: 'item-ok' }]);
      const rows = await dataSource.query(
        `SELECT event_id, topic, message_key, payload, headers, sent_at FROM "${schema}".outbox_events`,
      );
      expect(rows).toEqual([
        {
          event_id: committed.eventId,
          topic,
          message_key: 'item-ok',
          payload: committed,
          headers: { 'event-id': committed.eventId, 'correlation-id': committed.correlationId },
          sent_at: null,
        },
      ]);
    });

    it('should refuse to write outside a transaction', async () => {
      const event = createEnvelope({
        entity: 'item',
        entityId: 'x',
        op: 'created',
        version: 1,
        before: null,
        after: {},
      });
      await expect(
        outbox.add(dataSource.manager, 'outbox-spec.unused.changed.v1', event),
      ).rejects.toBeInstanceOf(OutboxTransactionRequiredError);
      expect(await pending()).toBe(0);
    });
  });

  describe('relaying', () => {
    it('should publish every row in order per key, with its headers, and mark it sent', async () => {
      const { topic, recording } = await newTopic();
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => `${k}-${randomUUID()}`);
      const relayed = relay({ batchSize: 7 }); // several batches, split mid-entity
      relayed.start();
      await changeMany(topic, keys, 1, 10);

      const messages = await recording.waitFor(() => true, 60);
      expect(messages).toHaveLength(60);
      const byKey = versionsByKey(messages);
      for (const key of keys) expect(byKey[key]).toEqual(range(1, 10));
      const first = messages[0];
      const event = envelopeOf(first);
      expect(first.headers?.['event-id']?.toString()).toBe(event.eventId);
      expect(first.headers?.['correlation-id']?.toString()).toBe(event.correlationId);
      expect(event).toMatchObject({ entity: 'item', entityId: String(first.key) });

      await eventually(async () => (await pending()) === 0);
      const attempts = await dataSource.query(`SELECT DISTINCT attempts FROM "${schema}".outbox_events`);
      expect(attempts).toEqual([{ attempts: 1 }]);
      expect(await metric(relayed, 'outbox_events_published_total')).toBe(60);
    });

    it('should be woken by the commit (NOTIFY), not only by its poll', async () => {
      const { topic, recording } = await newTopic();
      const relayed = relay({ pollIntervalMs: 120_000 });
      relayed.start();
      await eventually(() => relayed.isLeader);
      await eventually(async () => (await pending()) === 0); // the first pass is done; now it waits
      const event = await change(topic, `notify-${randomUUID()}`, 1);
      // With a 2-minute poll, only the NOTIFY sent at commit can get it out within the default wait.
      const [message] = await recording.waitFor((m) => m.headers?.['event-id']?.toString() === event.eventId);
      expect(message.key?.toString()).toBe(event.entityId);
    });

    describe('woken by the writers (OutboxWakeup)', () => {
      /** An outbox service whose commits wake the relay as a service instance's do, and its wake-up. */
      const waking = (relayed?: OutboxRelay) => {
        const via = new OutboxService();
        const wakeup = new OutboxWakeup({ connectionString: config.database.url, schema, relay: relayed });
        const stop = via.onCommit(wakeup.onCommit, { wakesRelay: true });
        return { via, close: async () => (stop(), await wakeup.close()) };
      };
      /** A session listening on the outbox channel, counting this schema's notifications. */
      const listen = async () => {
        const session = new Client({ connectionString: config.database.url });
        await session.connect();
        const heard: number[] = [];
        session.on('notification', (message: Notification) => {
          if (message.payload === schema) heard.push(Date.now());
        });
        await session.query(`LISTEN ${OUTBOX_CHANNEL}`);
        return { heard, end: () => session.end() };
      };
      /** A relay with a 2-minute poll that has made its first pass: only a wake-up gets a row out quickly. */
      const idleRelay = async () => {
        const relayed = relay({ pollIntervalMs: 120_000 });
        relayed.start();
        await eventually(() => relayed.isLeader);
        await eventually(async () => (await pending()) === 0);
        return relayed;
      };

      it("should be woken by another instance's commit through a NOTIFY sent after it", async () => {
        const { topic, recording } = await newTopic();
        await idleRelay();
        const other = waking(); // another instance: its relay does not lead
        try {
          const event = await change(topic, `other-${randomUUID()}`, 1, false, other.via);
          const [message] = await recording.waitFor(
            (m) => m.headers?.['event-id']?.toString() === event.eventId,
          );
          expect(message.key?.toString()).toBe(event.entityId);
        } finally {
          await other.close();
        }
      });

      it("should be woken in process by its own instance's commit, with no NOTIFY at all", async () => {
        const { topic, recording } = await newTopic();
        const relayed = await idleRelay();
        const own = waking(relayed);
        const listener = await listen();
        try {
          const event = await change(topic, `own-${randomUUID()}`, 1, false, own.via);
          await recording.waitFor((m) => m.headers?.['event-id']?.toString() === event.eventId);
          expect(listener.heard).toEqual([]);
        } finally {
          await listener.end();
          await own.close();
        }
      });

      it('should leave a quiet commit that wakes nobody to the poll (the trigger sends nothing)', async () => {
        const { topic, recording } = await newTopic();
        await idleRelay();
        const mute = new OutboxService();
        const stop = mute.onCommit(async () => undefined, { wakesRelay: true });
        try {
          await change(topic, `mute-${randomUUID()}`, 1, false, mute);
          await new Promise((resolve) => setTimeout(resolve, 1500));
          expect(recording.messages).toHaveLength(0);
          expect(await pending()).toBe(1);
        } finally {
          stop();
        }
      });

      it('should send few NOTIFYs for a stream of commits, the last one after the last commit', async () => {
        const listener = await listen();
        const wakeup = new OutboxWakeup({ connectionString: config.database.url, schema, minIntervalMs: 20 });
        try {
          let lastSignal = 0;
          for (let i = 0; i < 50; i++) {
            wakeup.signal();
            lastSignal = Date.now();
            await new Promise((resolve) => setTimeout(resolve, 2));
          }
          await eventually(() => (listener.heard.at(-1) ?? 0) >= lastSignal);
          // 50 signals over ~100 ms or more, one NOTIFY per 20 ms at most (plus the first).
          const spanMs = lastSignal - (listener.heard[0] ?? lastSignal) + 40;
          expect(listener.heard.length).toBeLessThanOrEqual(Math.ceil(spanMs / 20) + 1);
          expect(listener.heard.length).toBeLessThan(50);
        } finally {
          await wakeup.close();
          await listener.end();
        }
      });
    });

    it('should publish rows committed while no relay ran once one starts (crash between commit and publish)', async () => {
      const { topic, recording } = await newTopic();
      const key = `crash-${randomUUID()}`;
      await changeMany(topic, [key], 1, 5);
      expect(await pending()).toBe(5);

      relay().start(); // "after the restart"
      const messages = await recording.waitFor(() => true, 5);
      expect(versionsByKey(messages)[key]).toEqual(range(1, 5));
      await eventually(async () => (await pending()) === 0);
    });

    it('should publish a batch again when its sent mark was lost, and nothing is lost (at least once)', async () => {
      const { topic, recording } = await newTopic();
      const key = `dup-${randomUUID()}`;
      await changeMany(topic, [key], 1, 4);
      let lostAcks = 1;
      const flaky: OutboxProducer = {
        ...shared(producer),
        sendBatch: async (batch) => {
          const result = await producer.sendBatch(batch);
          // Kafka has the batch, but the relay "crashes" before it can mark the rows sent.
          if (lostAcks-- > 0) throw new Error('connection reset after the broker acknowledged');
          return result;
        },
      };
      relay({ createProducer: () => flaky }).start();

      const messages = await recording.waitFor(() => true, 8);
      expect(messages.map((m) => envelopeOf(m).version)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
      expect(versionsByKey(messages)[key]).toEqual(range(1, 4));
      await eventually(async () => (await pending()) === 0);
    });
    it('should drop the batch read ahead when a produce fails, and later publish every row once more in order', async () => {
      const { topic, recording } = await newTopic();
      const key = `ahead-${randomUUID()}`;
      await changeMany(topic, [key], 1, 9);
      let sends = 0;
      const failsSecond: OutboxProducer = {
        ...shared(producer),
        sendBatch: async (batch) => {
          // The second batch fails while the third (versions 7-9) has been read ahead.
          if (++sends === 2) throw new Error('Connection error: connect ECONNREFUSED');
          return producer.sendBatch(batch);
        },
      };
      relay({ createProducer: () => failsSecond, batchSize: 3, maxBackoffMs: 200 }).start();

      const messages = await recording.waitFor(() => true, 9);
      expect(messages.map((m) => envelopeOf(m).version)).toEqual(range(1, 9));
      await eventually(async () => (await pending()) === 0);
      expect(sends).toBe(4);
    });
  });

  describe('marking rows sent while the next batch goes out', () => {
    it('should publish a batch again when its sent mark failed, keeping every first delivery in order', async () => {
      const { topic, recording } = await newTopic();
      const key = `mark-${randomUUID()}`;
      await changeMany(topic, [key], 1, 9);
      // Postgres refuses the first sent mark (a sequence, so the refusal is not rolled back with it); the
      // relay has already sent the next batch by the time it learns.
      await dataSource.query(`CREATE SEQUENCE "${schema}".mark_attempts`);
      await dataSource.query(`
        CREATE FUNCTION "${schema}".refuse_first_mark() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF nextval('"${schema}".mark_attempts') = 1 THEN RAISE EXCEPTION 'sent mark lost'; END IF;
          RETURN NEW;
        END $$`);
      await dataSource.query(`
        CREATE TRIGGER refuse_first_mark BEFORE UPDATE ON "${schema}".outbox_events FOR EACH ROW
        WHEN (OLD.sent_at IS NULL AND NEW.sent_at IS NOT NULL) EXECUTE FUNCTION "${schema}".refuse_first_mark()`);
      try {
        relay({ batchSize: 3, maxBackoffMs: 200 }).start();
        await eventually(async () => (await pending()) === 0);
        const messages = await recording.waitFor(() => true, 12);
        // Versions 1-3 went out again after the failure: nothing lost, and the first delivery of every
        // event is in order (consumers skip the repeats by eventId).
        expect(messages.filter((m) => envelopeOf(m).version === 1)).toHaveLength(2);
        expect(versionsByKey(messages)[key]).toEqual(range(1, 9));
      } finally {
        await dataSource.query(`DROP TRIGGER refuse_first_mark ON "${schema}".outbox_events`);
        await dataSource.query(`DROP FUNCTION "${schema}".refuse_first_mark()`);
        await dataSource.query(`DROP SEQUENCE "${schema}".mark_attempts`);
      }
    });
  });

  describe('reading pending rows', () => {
    it('should walk the pending index in id order, not a bitmap of it, when many rows were sent', async () => {
      // 20,000 rows sent: their entries stay in the pending index until vacuum. A bitmap scan visits every
      // one of their heap pages on each read; a plain index scan marks them dead as it passes. Which one an
      // ordinary session gets depends on the table's statistics (after a burst, often the bitmap scan), so
      // autovacuum is held off; the relay's session setting leaves the planner no bitmap to pick.
      await dataSource.query(`ALTER TABLE "${schema}".outbox_events SET (autovacuum_enabled = false)`);
      await dataSource.query(
        `INSERT INTO "${schema}".outbox_events (event_id, topic, message_key, payload)
         SELECT gen_random_uuid(), 'plan.topic', 'k' || g, '{}' FROM generate_series(1, 20000) AS g`,
      );
      await dataSource.query(`UPDATE "${schema}".outbox_events SET sent_at = now()`);
      await dataSource.query(
        `INSERT INTO "${schema}".outbox_events (event_id, topic, message_key, payload)
         SELECT gen_random_uuid(), 'plan.topic', 'k' || g, '{}' FROM generate_series(1, 3) AS g`,
      );
      const session = new Client({ connectionString: config.database.url });
      await session.connect();
      /** The scan of outbox_events in the plan of the relay's read. */
      const scan = async (): Promise<{ 'Node Type': string; 'Index Name'?: string }> => {
        const [{ 'QUERY PLAN': plan }] = (
          await session.query(`EXPLAIN (FORMAT JSON) ${pendingRowsQuery(`"${schema}".outbox_events`)}`, [
            1000,
            '',
          ])
        ).rows;
        type PlanNode = { 'Node Type': string; 'Relation Name'?: string; Plans?: PlanNode[] };
        const find = (node: PlanNode): PlanNode | undefined =>
          node['Relation Name'] === 'outbox_events' ? node : node.Plans?.map(find).find(Boolean);
        return find(plan[0].Plan) as { 'Node Type': string; 'Index Name'?: string };
      };
      try {
        await session.query(RELAY_SESSION_SETTING);
        expect(await scan()).toMatchObject({
          'Node Type': 'Index Scan',
          'Index Name': 'outbox_events_pending_idx',
        });
      } finally {
        await session.end();
        await dataSource.query(`ALTER TABLE "${schema}".outbox_events RESET (autovacuum_enabled)`);
      }
    });
  });

  describe('marking rows sent', () => {
    it('should mark rows through the primary key, not by hashing the whole outbox', async () => {
      // The mark took a JSON list of batches until 2026-12-07: estimated at 1,000 rows, it was hash-joined
      // with a sequential scan of the table on every read.
      await dataSource.query(
        `INSERT INTO "${schema}".outbox_events (event_id, topic, message_key, payload, sent_at)
         SELECT gen_random_uuid(), 'plan.topic', 'k' || g, '{}', now() FROM generate_series(1, 20000) AS g`,
      );
      await dataSource.query(`ANALYZE "${schema}".outbox_events`);
      const session = new Client({ connectionString: config.database.url });
      await session.connect();
      try {
        await session.query(RELAY_SESSION_SETTING);
        const plan = (
          await session.query<{ 'QUERY PLAN': string }>(
            `EXPLAIN ${markSentQuery(`"${schema}".outbox_events`, 1)}`,
            ['101,102,103', '1765000000000,1765000000000,1765000000001'],
          )
        ).rows
          .map((row) => row['QUERY PLAN'])
          .join('\n');
        expect(plan).toContain('Index Scan using outbox_events_pkey');
        expect(plan).not.toMatch(/Seq Scan|Hash Join/);
      } finally {
        await session.end();
      }
    });

    it('should not wait for the WAL flush of its marks (a mark lost to a Postgres crash only republishes)', async () => {
      const session = new Client({ connectionString: config.database.url });
      await session.connect();
      try {
        await session.query(RELAY_SESSION_SETTING);
        const { rows } = await session.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
        expect(rows[0].synchronous_commit).toBe('off');
      } finally {
        await session.end();
      }
    });
  });

  describe('several instances', () => {
    it('should let one relay lead while the other stands by: no duplicates, no reordering, and a takeover', async () => {
      const { topic, recording } = await newTopic();
      const first = relay({ batchSize: 3, pollIntervalMs: 200 });
      const second = relay({ batchSize: 3, pollIntervalMs: 200 });
      first.start();
      second.start();
      await eventually(() => first.isLeader || second.isLeader);
      const keys = ['p', 'q', 'r', 's'].map((k) => `${k}-${randomUUID()}`);
      await changeMany(topic, keys, 1, 15);

      const messages = await recording.waitFor(() => true, 60);
      expect([first.isLeader, second.isLeader].filter(Boolean)).toHaveLength(1);
      const gauges = [
        await metric(first, 'outbox_relay_leader'),
        await metric(second, 'outbox_relay_leader'),
      ];
      expect(gauges.sort()).toEqual([0, 1]);
      const ids = messages.map((m) => String(m.headers?.['event-id']));
      expect(new Set(ids).size).toBe(ids.length); // nothing published twice
      const byKey = versionsByKey(messages);
      for (const key of keys) expect(byKey[key]).toEqual(range(1, 15));

      const [leader, standby] = first.isLeader ? [first, second] : [second, first];
      await leader.stop();
      await changeMany(topic, keys, 16, 18);
      await recording.waitFor(() => true, 72);
      expect(standby.isLeader).toBe(true);
      const after = versionsByKey(recording.messages);
      for (const key of keys) expect(after[key]).toEqual(range(1, 18));
    });
  });

  describe('Kafka unavailable', () => {
    it('should keep the rows, retry with backoff, log once per outage, and publish them all once it is back', async () => {
      const { topic, recording } = await newTopic();
      const logger = silentLogger();
      let kafkaUp = false;
      let attempts = 0;
      const outage: OutboxProducer = {
        ...shared(producer),
        sendBatch: async (batch) => {
          attempts++;
          if (!kafkaUp) throw new Error('Connection error: connect ECONNREFUSED');
          return producer.sendBatch(batch);
        },
      };
      const relayed = relay({ createProducer: () => outage, logger, maxBackoffMs: 200, pollIntervalMs: 100 });
      relayed.start();
      const key = `outage-${randomUUID()}`;
      await changeMany(topic, [key], 1, 20);
      await eventually(() => attempts >= 4);

      expect(await pending()).toBe(20);
      expect(recording.messages).toHaveLength(0);
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn.mock.calls[0][1]).toMatch(/Kafka unavailable/);
      expect(await metric(relayed, 'outbox_publish_errors_total')).toBeGreaterThanOrEqual(4);
      const failed = await dataSource.query(
        `SELECT min(attempts) AS attempts, min(last_error) AS error FROM "${schema}".outbox_events`,
      );
      expect(failed[0].attempts).toBeGreaterThanOrEqual(1);
      expect(failed[0].error).toContain('ECONNREFUSED');

      kafkaUp = true;
      const messages = await recording.waitFor(() => true, 20);
      expect(versionsByKey(messages)[key]).toEqual(range(1, 20));
      await eventually(async () => (await pending()) === 0);
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.log.mock.calls.some(([, message]) => /Kafka reachable again/.test(message))).toBe(true);
    });
  });

  describe('a producer the broker no longer accepts', () => {
    it('should replace its producer after a failed batch, so a broken producer session cannot block the outbox', async () => {
      const { topic, recording } = await newTopic();
      const key = `session-${randomUUID()}`;
      await changeMany(topic, [key], 1, 3);
      const sessions: { disconnected: boolean }[] = [];
      const createProducer = (): OutboxProducer => {
        const session = { disconnected: false };
        sessions.push(session);
        const broken = sessions.length === 1; // e.g. a session that outlived a broker crash
        return {
          connect: async () => undefined,
          disconnect: async () => void (session.disconnected = true),
          sendBatch: async (batch) => {
            if (broken) throw new Error('The broker received an out of order sequence number');
            return producer.sendBatch(batch);
          },
        };
      };
      relay({ createProducer }).start();

      const messages = await recording.waitFor(() => true, 3);
      expect(versionsByKey(messages)[key]).toEqual(range(1, 3));
      expect(sessions.length).toBeGreaterThanOrEqual(2);
      expect(sessions[0].disconnected).toBe(true);
    });
  });

  describe('a broker that cannot be reached', () => {
    it('should keep retrying to connect the same producer rather than create one per attempt', async () => {
      const { topic, recording } = await newTopic();
      const key = `connect-${randomUUID()}`;
      await changeMany(topic, [key], 1, 2);
      let created = 0;
      let refusals = 3;
      const createProducer = (): OutboxProducer => {
        created++;
        return {
          ...shared(producer),
          connect: async () => {
            if (refusals-- > 0) throw new Error('Connection error: connect ECONNREFUSED');
          },
        };
      };
      relay({ createProducer, maxBackoffMs: 100 }).start();

      const messages = await recording.waitFor(() => true, 2);
      expect(versionsByKey(messages)[key]).toEqual(range(1, 2));
      expect(refusals).toBeLessThan(0); // it did fail to connect, three times
      expect(created).toBe(1);
    });
  });

  describe('metrics and retention', () => {
    it('should report the backlog and its age while events wait', async () => {
      const { topic } = await newTopic();
      await changeMany(topic, [`gauge-${randomUUID()}`], 1, 3);
      const standby = relay({ pollIntervalMs: 50 });
      // Hold the relay lock elsewhere so this relay stands by and only measures.
      const holder = await dataSource.createQueryRunner();
      await holder.connect();
      await holder.query('SELECT pg_advisory_lock(hashtext($1))', [`outbox-relay:${schema}`]);
      try {
        standby.start();
        await eventually(async () => (await metric(standby, 'outbox_pending_events')) === 3);
        expect(await metric(standby, 'outbox_oldest_pending_age_seconds')).toBeGreaterThan(0);
        expect(await metric(standby, 'outbox_relay_leader')).toBe(0);
      } finally {
        await holder.query('SELECT pg_advisory_unlock(hashtext($1))', [`outbox-relay:${schema}`]);
        await holder.release();
      }
      await eventually(async () => (await metric(standby, 'outbox_pending_events')) === 0);
      expect(await metric(standby, 'outbox_relay_leader')).toBe(1);
    });

    it('should prune sent rows older than the retention', async () => {
      const { topic, recording } = await newTopic();
      await changeMany(topic, [`prune-${randomUUID()}`], 1, 3);
      const relayed = relay({ retentionMs: 1, pruneIntervalMs: 50, pollIntervalMs: 50 });
      relayed.start();
      await recording.waitFor(() => true, 3);
      await eventually(
        async () =>
          Number((await dataSource.query(`SELECT count(*) AS n FROM "${schema}".outbox_events`))[0].n) === 0,
      );
      expect(await metric(relayed, 'outbox_events_pruned_total')).toBe(3);
    });
  });
});
