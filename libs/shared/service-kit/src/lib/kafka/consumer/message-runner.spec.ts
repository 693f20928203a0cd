import type { Message } from 'kafkajs';
import { Registry } from 'prom-client';
import { PoisonMessageError, TransientConsumerError, classifyFailure } from './consumer-errors';
import { ConsumerMetrics } from './consumer.metrics';
import {
  backoffDelay,
  ConsumedMessage,
  DLQ_HEADERS,
  MessageProcessor,
  MessageRunner,
  RetryPolicy,
} from './message-runner';

const message = (offset = '7'): ConsumedMessage => ({
  topic: 'test.thing.changed.v1',
  partition: 2,
  offset,
  key: Buffer.from('thing-1'),
  value: Buffer.from('{"hello":"world"}'),
  headers: { 'event-id': 'abc' },
  timestamp: '1700000000000',
});

const l2Down = () => Object.assign(new Error('L2 down'), { code: 'E_L2_UNAVAILABLE' });

/** Resolves the metric value of `events_consumed_total{outcome}`. */
const consumed = async (registry: Registry, outcome: string) => {
  const metric = await registry.getSingleMetric('events_consumed_total')?.get();
  return metric?.values.find((value) => value.labels['outcome'] === outcome)?.value ?? 0;
};

describe(MessageRunner.name, () => {
  const retry: RetryPolicy = { maxAttempts: 3, initialMs: 1, maxMs: 2 };
  let registry: Registry;
  let deadLetters: { topic: string; message: Message }[];
  let heartbeats: number;
  const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() };

  const runner = (
    processor: MessageProcessor,
    publish?: (topic: string, messages: readonly Message[]) => Promise<void>,
  ) =>
    new MessageRunner({
      processors: new Map([[message().topic, processor]]),
      retry,
      groupId: 'group-1',
      metrics: new ConsumerMetrics(registry),
      logger,
      random: () => 0.5,
      publishDeadLetter:
        publish ??
        (async (topic, records) => {
          for (const record of records) deadLetters.push({ topic, message: record });
        }),
    });
  const context = (signal = new AbortController().signal) => ({
    heartbeat: async () => void heartbeats++,
    signal,
  });

  beforeEach(() => {
    registry = new Registry();
    deadLetters = [];
    heartbeats = 0;
  });

  describe('run()', () => {
    it('should let the offset be committed once the processor succeeds, and count the outcome', async () => {
      const processor = jest.fn().mockResolvedValue('handled');
      expect(await runner(processor).run(message(), context())).toBe(true);
      expect(processor).toHaveBeenCalledTimes(1);
      expect(await consumed(registry, 'handled')).toBe(1);
      expect(deadLetters).toEqual([]);
    });

    it('should count a duplicate as such', async () => {
      expect(await runner(async () => 'duplicate').run(message(), context())).toBe(true);
      expect(await consumed(registry, 'duplicate')).toBe(1);
    });

    it('should dead-letter a poison message at once, keeping key, value and headers, and say why', async () => {
      const processor = jest
        .fn()
        .mockRejectedValue(new PoisonMessageError('not JSON', { code: 'EVENT.NOT_JSON' }));
      expect(await runner(processor).run(message(), context())).toBe(true);
      expect(processor).toHaveBeenCalledTimes(1);
      expect(deadLetters).toHaveLength(1);
      const [{ topic, message: record }] = deadLetters;
      expect(topic).toBe('test.thing.changed.v1.dlq');
      expect(record.key).toEqual(Buffer.from('thing-1'));
      expect(record.value).toEqual(Buffer.from('{"hello":"world"}'));
      expect(record.headers).toMatchObject({
        'event-id': 'abc',
        [DLQ_HEADERS.topic]: 'test.thing.changed.v1',
        [DLQ_HEADERS.partition]: '2',
        [DLQ_HEADERS.offset]: '7',
        [DLQ_HEADERS.group]: 'group-1',
        [DLQ_HEADERS.errorCode]: 'EVENT.NOT_JSON',
        [DLQ_HEADERS.error]: 'not JSON',
        [DLQ_HEADERS.attempts]: '1',
      });
      expect(await consumed(registry, 'dlq')).toBe(1);
      expect(await consumed(registry, 'retry')).toBe(0);
    });

    it('should retry a failing handler up to maxAttempts, then dead-letter it', async () => {
      const processor = jest.fn().mockRejectedValue(new Error('boom'));
      expect(await runner(processor).run(message(), context())).toBe(true);
      expect(processor).toHaveBeenCalledTimes(retry.maxAttempts);
      expect(deadLetters).toHaveLength(1);
      expect(deadLetters[0].message.headers).toMatchObject({
        [DLQ_HEADERS.attempts]: String(retry.maxAttempts),
        [DLQ_HEADERS.errorCode]: 'Error',
        [DLQ_HEADERS.error]: 'boom',
      });
      expect(await consumed(registry, 'retry')).toBe(retry.maxAttempts - 1);
    });

    it('should recover from a failure that stops before maxAttempts, without dead-lettering', async () => {
      const processor = jest.fn().mockRejectedValueOnce(new Error('blip')).mockResolvedValue('handled');
      expect(await runner(processor).run(message(), context())).toBe(true);
      expect(processor).toHaveBeenCalledTimes(2);
      expect(deadLetters).toEqual([]);
    });

    it('should retry a transient failure (Redis down) past maxAttempts and never dead-letter it', async () => {
      const failures = retry.maxAttempts * 3;
      const processor = jest.fn();
      for (let i = 0; i < failures; i++)
        processor.mockRejectedValueOnce(i % 2 ? l2Down() : new TransientConsumerError('db'));
      processor.mockResolvedValue('handled');
      expect(await runner(processor).run(message(), context())).toBe(true);
      expect(processor).toHaveBeenCalledTimes(failures + 1);
      expect(deadLetters).toEqual([]);
      expect(await consumed(registry, 'handled')).toBe(1);
    });

    it('should give up without committing or dead-lettering when stopped while retrying', async () => {
      const stop = new AbortController();
      const processor = jest.fn().mockImplementation(async () => {
        stop.abort();
        throw l2Down();
      });
      expect(await runner(processor).run(message(), context(stop.signal))).toBe(false);
      expect(processor).toHaveBeenCalledTimes(1);
      expect(deadLetters).toEqual([]);
    });

    it('should keep retrying the dead-letter publish until it is accepted', async () => {
      const publish = jest
        .fn()
        .mockRejectedValueOnce(new Error('broker down'))
        .mockRejectedValueOnce(new Error('broker down'))
        .mockResolvedValue(undefined);
      expect(
        await runner(async () => Promise.reject(new PoisonMessageError('bad')), publish).run(
          message(),
          context(),
        ),
      ).toBe(true);
      expect(publish).toHaveBeenCalledTimes(3);
      expect(await consumed(registry, 'dlq')).toBe(1);
    });

    it('should send heartbeats while it waits between attempts', async () => {
      const slow = new MessageRunner({
        processors: new Map([
          [message().topic, jest.fn().mockRejectedValueOnce(new Error('x')).mockResolvedValue('handled')],
        ]),
        retry: { maxAttempts: 3, initialMs: 1, maxMs: 1 },
        groupId: 'g',
        logger,
        random: () => 1,
        publishDeadLetter: async () => undefined,
      });
      expect(await slow.run(message(), context())).toBe(true);
      expect(heartbeats).toBeGreaterThan(0);
    });
  });
});

describe('backoffDelay()', () => {
  const policy: RetryPolicy = { maxAttempts: 5, initialMs: 100, maxMs: 1000 };

  it('should double per attempt within [half, full] of the ceiling, and cap at maxMs', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
    expect(backoffDelay(10, policy, () => 0)).toBe(500);
  });
});

describe('classifyFailure()', () => {
  it('should tell poison, transient and ordinary failures apart', () => {
    expect(classifyFailure(new PoisonMessageError('x'))).toBe('poison');
    expect(classifyFailure(new TransientConsumerError('x'))).toBe('transient');
    expect(classifyFailure(l2Down())).toBe('transient');
    expect(classifyFailure(new Error('x'))).toBe('failed');
    expect(classifyFailure('a string')).toBe('failed');
  });
});
