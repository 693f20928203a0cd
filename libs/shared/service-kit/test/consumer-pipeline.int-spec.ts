import { CreateProcessedEvents1764000000000, runMigrations } from '@platform/database';
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Admin, Producer } from 'kafkajs';
import { Client } from 'pg';
import type { BatchOutcome, ConsumerInbox, EventConsumer, Inbox } from '../src';
import { eventually } from '../src/testing';
import {
  itemEvent,
  pipelineConfig,
  pipelineKafka,
  realInbox,
  startPipelineConsumer,
} from './support/pipeline-consumer';

/**
 * The consumer writes a batch's inbox rows while it fetches and handles the next batch, and commits the
 * batch's offset only once they are written. Real Kafka and Postgres: one fresh topic (one partition) and
 * consumer group per test, one inbox schema for the file.
 */
describe('consumer pipeline: inbox writes off the fetch loop (real Kafka and Postgres)', () => {
  const schema = `pipeline_${randomBytes(4).toString('hex')}`;
  const config = pipelineConfig(schema);
  const kafka = pipelineKafka();
  let admin: Admin;
  let producer: Producer;
  let db: Client;
  let topic: string;
  let groupId: string;
  const consumers: EventConsumer[] = [];
  const inboxes: ConsumerInbox[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    await runMigrations(config, { entities: [], migrations: [CreateProcessedEvents1764000000000] }, 'up');
    db = new Client({ connectionString: config.database.url });
    await db.connect();
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  }, 30000);

  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
  });

  beforeEach(async () => {
    const id = randomBytes(4).toString('hex');
    topic = `test.pipeline-${id}.changed.v1`;
    groupId = `test-pipeline-${id}`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
  });

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await Promise.allSettled(consumers.splice(0).map((consumer) => consumer.stop()));
    await Promise.allSettled(inboxes.splice(0).map((inbox) => inbox.onApplicationShutdown()));
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  });

  const produce = (...values: string[]) =>
    producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: 'item', value })) });

  /** Offset the group has committed on partition 0 (-1: none). */
  const committed = async () => {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(entry.partitions.find((p) => p.partition === 0)?.offset ?? '-1');
  };

  /** Event ids in the inbox, among `eventIds`. */
  const inInbox = async (...eventIds: string[]) =>
    (
      await db.query<{ id: string }>(
        `SELECT event_id::text AS id FROM "${schema}".processed_events WHERE event_id = ANY($1::uuid[])`,
        [eventIds],
      )
    ).rows
      .map((row) => row.id)
      .sort();

  const inbox = () => {
    const real = realInbox(schema);
    inboxes.push(real);
    return real;
  };

  it('should handle the next batch while the last one is being recorded, skip a repeat of an event being recorded, and commit nothing before the rows are written', async () => {
    const real = inbox();
    let release!: () => void;
    const written = new Promise<void>((resolve) => (release = resolve));
    const held: Inbox = {
      has: (eventId) => real.has(eventId),
      recordOnce: (event) => real.recordOnce(event),
      processedAmong: (eventIds) => real.processedAmong(eventIds),
      recordMany: async (events) => {
        await written;
        return real.recordMany(events);
      },
    };
    const applied: string[] = [];
    const outcomes: BatchOutcome[] = [];
    consumers.push(
      await startPipelineConsumer({
        topic,
        groupId,
        inbox: held,
        onApplied: (event) => applied.push(event.eventId),
        onOutcomes: (batch) => outcomes.push(...batch),
      }),
    );
    const a = itemEvent('a', 1);
    const b = itemEvent('b', 1);
    await produce(a.value);
    await eventually(() => applied.includes(a.eventId));
    await produce(a.value); // the same event again (a relay's republish) while its row is not written
    await eventually(() => outcomes.length === 2);
    await produce(b.value);
    await eventually(() => applied.includes(b.eventId));

    expect(applied).toEqual([a.eventId, b.eventId]);
    expect(outcomes).toEqual(['handled', 'duplicate', 'handled']);
    expect(await inInbox(a.eventId, b.eventId)).toEqual([]);
    expect(await committed()).toBe(-1);

    release();
    await eventually(async () => (await committed()) === 3);
    expect(await inInbox(a.eventId, b.eventId)).toEqual([a.eventId, b.eventId].sort());
  }, 60000);

  it('should commit the batches recorded when stopped, before leaving the group', async () => {
    const applied: string[] = [];
    const consumer = await startPipelineConsumer({
      topic,
      groupId,
      inbox: inbox(),
      onApplied: (event) => applied.push(event.eventId),
    });
    const a = itemEvent('a', 1);
    await produce(a.value);
    await eventually(() => applied.includes(a.eventId));
    await consumer.stop();
    expect(await committed()).toBe(1);
    expect(await inInbox(a.eventId)).toEqual([a.eventId]);
  }, 60000);

  it('should hand a batch out again after a crash between its inbox write and its commit, and apply none of it twice', async () => {
    const child = fork(
      join(__dirname, 'support', 'crash-consumer.child.ts'),
      [JSON.stringify({ topic, groupId, schema })],
      {
        execArgv: ['-r', join(__dirname, '..', '..', '..', '..', 'tools', 'bench', 'swc-register.cjs')],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
      },
    );
    children.push(child);
    const fromChild: { type: string; eventIds?: string[]; eventId?: string; message?: string }[] = [];
    child.on('message', (message: (typeof fromChild)[number]) => fromChild.push(message));
    const said = (type: string) => fromChild.find((message) => message.type === type);
    await eventually(
      () => said('ready') ?? (said('error') && Promise.reject(new Error(said('error')?.message))),
      30000,
    );

    const a = itemEvent('a', 1);
    const b = itemEvent('b', 1);
    await produce(a.value, b.value);
    const recorded = await eventually(() => said('recorded'), 30000);
    expect(recorded.eventIds?.sort()).toEqual([a.eventId, b.eventId].sort());
    const firstApplied = fromChild.filter((message) => message.type === 'applied').map((m) => m.eventId);
    expect(firstApplied).toEqual([a.eventId, b.eventId]);
    expect(await inInbox(a.eventId, b.eventId)).toEqual([a.eventId, b.eventId].sort());
    expect(await committed()).toBe(-1);

    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const applied: string[] = [];
    const outcomes: BatchOutcome[] = [];
    consumers.push(
      await startPipelineConsumer({
        topic,
        groupId,
        inbox: inbox(),
        onApplied: (event) => applied.push(event.eventId),
        onOutcomes: (batch) => outcomes.push(...batch),
      }),
    );
    // The killed member's session ends (6 s), the partition comes here and the batch is handed out again.
    await eventually(async () => (await committed()) === 2, 45000);
    expect(outcomes).toEqual(['duplicate', 'duplicate']);
    expect(applied).toEqual([]);
  }, 90000);
});
