import { Admin, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { ConsumedMessage, deadLetterRecord, DLQ_REPLAYED_FROM_HEADER } from '../src';
import { DlqTool, ledgerTopic } from '../src/lib/kafka/dlq';
import { eventually, recordTopic, stackEnv, TopicRecording } from '../src/testing';

/**
 * The DLQ tool against the real Kafka, on a fresh topic (3 partitions) and its dead-letter topic per test, so
 * counts are exact. What the bid service's spec cannot see on its shared topics: where a replayed record lands
 * (its key's partition, as when it was first produced), what it carries, and the filters and limit.
 */
describe('DlqTool (real Kafka)', () => {
  const kafka = new Kafka({
    clientId: 'dlq-tool-int-spec',
    brokers: stackEnv()['KAFKA_BROKERS'].split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2000 },
  });
  let admin: Admin;
  let producer: Producer;
  let topic: string;
  let tool: DlqTool;
  const recordings: TopicRecording[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  beforeEach(async () => {
    topic = `test.dlq-tool-${randomUUID().slice(0, 8)}.changed.v1`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 3 },
        { topic: `${topic}.dlq`, numPartitions: 3 },
      ],
    });
    tool = new DlqTool(kafka);
  });

  afterEach(async () => {
    await tool.close();
    await Promise.allSettled(recordings.splice(0).map((recording) => recording.stop()));
    await admin
      .deleteTopics({ topics: [topic, `${topic}.dlq`, ledgerTopic(`${topic}.dlq`)] })
      .catch(() => undefined);
  });

  /** Produces `entities` to the topic, then dead-letters each as `group` would, with `code`. */
  async function deadLettered(entities: readonly string[], group: string, code: string) {
    const events = entities.map((entityId) => ({ eventId: randomUUID(), entity: 'bid', entityId }));
    const sent = await producer.send({
      topic,
      acks: -1,
      messages: events.map((e) => ({
        key: e.entityId,
        value: JSON.stringify(e),
        headers: { 'x-trace': e.eventId },
      })),
    });
    const partitionOf = new Map(sent.map((meta) => [meta.partition, meta]));
    const consumed = (e: (typeof events)[number]): ConsumedMessage => ({
      topic,
      partition: [...partitionOf.keys()][0],
      offset: '0',
      key: Buffer.from(e.entityId),
      value: Buffer.from(JSON.stringify(e)),
      headers: { 'x-trace': e.eventId },
      timestamp: String(Date.now()),
    });
    await producer.send({
      topic: `${topic}.dlq`,
      acks: -1,
      messages: events.map((e) =>
        deadLetterRecord(consumed(e), Object.assign(new Error('boom'), { code }), 5, group),
      ),
    });
    return events;
  }

  it('should list counts by code and group without committing any offset of a group', async () => {
    await deadLettered(['a', 'b'], 'bid', 'Error');
    await deadLettered(['c'], 'analytics', 'EVENT.NOT_JSON');
    const summary = await tool.list({ topic, sample: 2 });
    expect(summary).toMatchObject({
      dlqTopic: `${topic}.dlq`,
      scanned: 3,
      matched: 3,
      pending: 3,
      byErrorCode: { Error: 2, 'EVENT.NOT_JSON': 1 },
      byGroup: { bid: 2, analytics: 1 },
    });
    expect(summary.records).toHaveLength(2);
    // The read went through a throwaway group that committed nothing and was deleted afterwards.
    const tools = (await admin.listGroups()).groups.filter((g) => g.groupId.startsWith('dlq-tool-'));
    for (const { groupId } of tools) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [`${topic}.dlq`] });
      expect(offsets.partitions.filter((p) => p.offset !== '-1')).toEqual([]);
    }
    expect((await tool.list({ topic, filter: { groups: ['analytics'] } })).matched).toBe(1);
  }, 60000);

  it("should send a record back on its key's partition with its key, value and headers, without dlq-* headers", async () => {
    const [event] = await deadLettered(['entity-7'], 'bid', 'Error');
    const original = await recordTopic(topic);
    recordings.push(original);
    await original.waitFor(() => true); // the first produce
    const firstPartition = (await admin.fetchTopicOffsets(topic)).find((p) => p.high === '1')?.partition;

    const result = await tool.replay({ topic, filter: { eventIds: [event.eventId] } });
    expect(result).toMatchObject({ matched: 1, republished: 1 });
    const [, replayed] = await original.waitFor(() => true, 2);
    expect(replayed.key?.toString()).toBe('entity-7');
    expect(JSON.parse(replayed.value?.toString() ?? '')).toEqual(event);
    expect(Object.keys(replayed.headers ?? {}).sort()).toEqual([DLQ_REPLAYED_FROM_HEADER, 'x-trace']);
    expect(replayed.headers?.[DLQ_REPLAYED_FROM_HEADER]?.toString()).toMatch(
      new RegExp(`^${topic}\\.dlq/\\d/0$`),
    );
    // Same partition as the first produce of that key: the entity's order is kept.
    await eventually(async () => (await admin.fetchTopicOffsets(topic)).find((p) => p.high === '2'));
    expect((await admin.fetchTopicOffsets(topic)).find((p) => p.high === '2')?.partition).toBe(
      firstPartition,
    );
  }, 60000);

  it('should send back only the filtered records, at most --limit per run, and each only once across runs', async () => {
    await deadLettered(['a', 'b', 'c'], 'bid', 'Error');
    await deadLettered(['d'], 'analytics', 'Error');

    const dry = await tool.replay({ topic, filter: { groups: ['bid'] }, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, matched: 3, republished: 3 });
    const first = await tool.replay({ topic, filter: { groups: ['bid'] }, limit: 2 });
    expect(first).toMatchObject({ matched: 3, republished: 2, overLimit: 1, alreadyReplayed: 0 });
    const second = await tool.replay({ topic, filter: { groups: ['bid'] } });
    expect(second).toMatchObject({ matched: 3, republished: 1, alreadyReplayed: 2 });
    const everything = await tool.replay({ topic });
    expect(everything).toMatchObject({ matched: 4, republished: 1, alreadyReplayed: 3 });
    const total = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
    expect(total).toBe(4 + 4); // the four first produces and exactly one replay of each
    expect(await tool.list({ topic })).toMatchObject({ matched: 4, replayed: 4, pending: 0 });
  }, 90000);
});
