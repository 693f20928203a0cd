import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import {
  ConsumedMessage,
  ConsumerMetrics,
  DLQ_HEADERS,
  EventConsumer,
  EventConsumerOptions,
  MessageProcessor,
  PoisonMessageError,
} from '../src';
import { eventually, recordTopic, stackEnv, TopicRecording } from '../src/testing';

/**
 * The framework-free consumer against the real Kafka: one fresh topic (one partition, so order is total)
 * and one consumer group per test, so runs in parallel never see each other's records.
 */
describe('EventConsumer (real Kafka)', () => {
  const brokers = stackEnv()['KAFKA_BROKERS'].split(',');
  const kafka = new Kafka({
    clientId: 'event-consumer-int-spec',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2000 },
  });
  let admin: Admin;
  let producer: Producer;
  let topic: string;
  let groupId: string;
  const consumers: EventConsumer[] = [];
  const recordings: TopicRecording[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  beforeEach(async () => {
    const id = randomUUID().slice(0, 8);
    topic = `test.h4-consumer-${id}.changed.v1`;
    groupId = `test-h4-consumer-${id}`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 1 },
        { topic: `${topic}.dlq`, numPartitions: 1 },
      ],
    });
  });

  afterEach(async () => {
    await Promise.allSettled(consumers.splice(0).map((consumer) => consumer.stop()));
    await Promise.allSettled(recordings.splice(0).map((recording) => recording.stop()));
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
  });

  const produce = (...values: string[]) =>
    producer.send({
      topic,
      acks: -1,
      messages: values.map((value) => ({ key: 'k', value, headers: { 'x-test': value } })),
    });

  const start = async (processor: MessageProcessor, options: Partial<EventConsumerOptions> = {}) => {
    const consumer = new EventConsumer({
      kafka,
      groupId,
      processors: new Map([[topic, processor]]),
      retry: { maxAttempts: 3, initialMs: 10, maxMs: 50 },
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
      ...options,
    });
    consumers.push(consumer);
    await consumer.start();
    return consumer;
  };

  /** Offset the group has committed on partition 0 (-1: none). */
  const committed = async () => {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(entry.partitions.find((p) => p.partition === 0)?.offset ?? '-1');
  };

  const recorder = () => {
    const seen: string[] = [];
    const processor: MessageProcessor = async (message: ConsumedMessage) => {
      seen.push(message.value?.toString() ?? '');
      return 'handled';
    };
    return { seen, processor };
  };

  const deadLetters = async () => {
    const recording = await recordTopic(`${topic}.dlq`);
    recordings.push(recording);
    return recording;
  };

  it('should commit after each handled record and resume from the committed offset after a restart', async () => {
    const first = recorder();
    const consumer = await start(first.processor);
    await produce('a');
    await eventually(() => first.seen.includes('a'));
    await eventually(async () => (await committed()) === 1);
    await consumer.stop();

    await produce('b', 'c');
    const second = recorder();
    await start(second.processor);
    await eventually(() => second.seen.length === 2);
    expect(second.seen).toEqual(['b', 'c']); // nothing replayed from before the stop
    await eventually(async () => (await committed()) === 3);
    expect(first.seen).toEqual(['a']);
  }, 60000);

  it('should finish and commit the record in flight when stopped, so it is not handed out again', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: string[] = [];
    const consumer = await start(async (message) => {
      seen.push(message.value?.toString() ?? '');
      await gate;
      return 'handled';
    });
    await produce('in-flight');
    await eventually(() => seen.includes('in-flight'));
    const stopping = consumer.stop();
    release();
    await stopping;
    expect(await committed()).toBe(1);

    await produce('next');
    const after = recorder();
    await start(after.processor);
    await eventually(() => after.seen.includes('next'));
    expect(after.seen).toEqual(['next']);
  }, 60000);

  it('should dead-letter a poison record with its key, value and provenance, and handle the next one', async () => {
    const dlq = await deadLetters();
    const seen: string[] = [];
    await start(async (message) => {
      const value = message.value?.toString() ?? '';
      if (value.startsWith('bad')) throw new PoisonMessageError('not an event', { code: 'EVENT.NOT_JSON' });
      seen.push(value);
      return 'handled';
    });
    await produce('bad-1', 'good-1');
    await eventually(() => seen.includes('good-1'));
    const [record] = await dlq.waitFor(() => true);
    expect(record.key?.toString()).toBe('k');
    expect(record.value?.toString()).toBe('bad-1');
    const header = (name: string) => record.headers?.[name]?.toString();
    expect(header('x-test')).toBe('bad-1');
    expect(header(DLQ_HEADERS.topic)).toBe(topic);
    expect(header(DLQ_HEADERS.partition)).toBe('0');
    expect(header(DLQ_HEADERS.offset)).toBe('0');
    expect(header(DLQ_HEADERS.group)).toBe(groupId);
    expect(header(DLQ_HEADERS.errorCode)).toBe('EVENT.NOT_JSON');
    expect(header(DLQ_HEADERS.attempts)).toBe('1');
    await eventually(async () => (await committed()) === 2);
  }, 60000);

  it('should retry a failing handler maxAttempts times, dead-letter it and go on', async () => {
    const dlq = await deadLetters();
    const attempts: Record<string, number> = {};
    await start(async (message) => {
      const value = message.value?.toString() ?? '';
      attempts[value] = (attempts[value] ?? 0) + 1;
      if (value === 'fails') throw new Error('handler bug');
      return 'handled';
    });
    await produce('fails', 'after');
    await eventually(() => attempts['after'] === 1);
    expect(attempts['fails']).toBe(3);
    const [record] = await dlq.waitFor(() => true);
    expect(record.headers?.[DLQ_HEADERS.attempts]?.toString()).toBe('3');
    expect(record.headers?.[DLQ_HEADERS.error]?.toString()).toBe('handler bug');
  }, 60000);

  it('should hold the partition uncommitted while Redis is down, then go on once it is back', async () => {
    let redisUp = false;
    let attempts = 0;
    const seen: string[] = [];
    await start(async (message) => {
      const value = message.value?.toString() ?? '';
      if (value === 'first') {
        attempts++;
        if (!redisUp) throw Object.assign(new Error('L2 down'), { code: 'E_L2_UNAVAILABLE' });
      }
      seen.push(value);
      return 'handled';
    });
    await produce('first', 'second');
    // Well past maxAttempts (3): a transient failure is not dead-lettered.
    await eventually(() => attempts >= 8, 30000);
    expect(seen).toEqual([]); // 'second' waits behind 'first'
    expect(await committed()).toBe(-1);
    const [dlqEnd] = await admin.fetchTopicOffsets(`${topic}.dlq`);
    expect(dlqEnd.high).toBe('0');

    redisUp = true;
    await eventually(() => seen.length === 2, 30000);
    expect(seen).toEqual(['first', 'second']);
    await eventually(async () => (await committed()) === 2);
  }, 60000);

  it('should report lag per partition: high watermark minus committed, refreshed on scrape', async () => {
    const registry = new Registry();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const consumer = await start(
      async () => {
        await gate;
        return 'handled';
      },
      { metrics: new ConsumerMetrics(registry) },
    );
    await consumer.joined();
    await produce('1', '2', '3');
    const lag = async () => {
      const metric = await registry.getSingleMetric('kafka_consumer_lag')?.get();
      return metric?.values.find(
        (value) => value.labels['topic'] === topic && value.labels['partition'] === '0',
      )?.value;
    };
    // Stuck on the first record: nothing committed, all three outstanding.
    await eventually(async () => (await lag()) === 3);
    release();
    await eventually(async () => (await lag()) === 0);
    const consumed = await registry.getSingleMetric('events_consumed_total')?.get();
    expect(consumed?.values).toEqual(
      expect.arrayContaining([expect.objectContaining({ labels: { topic, outcome: 'handled' }, value: 3 })]),
    );
  }, 60000);
});
