import type { KafkaMessage } from 'kafkajs';
import { DLQ_HEADERS, DLQ_REPLAYED_FROM_HEADER } from '../consumer/message-runner';
import { matchesFilter, readDeadLetter, replayMessage, resolveDlqTopic } from './dlq-record';

const EVENT_ID = '0b7c7c52-9a0e-4d3c-8f7e-1a2b3c4d5e6f';

const message = (over: { value?: Buffer; headers?: KafkaMessage['headers'] } = {}): KafkaMessage => ({
  key: Buffer.from('bid-1'),
  value: Buffer.from(JSON.stringify({ eventId: EVENT_ID, entity: 'bid', entityId: 'bid-1' })),
  offset: '7',
  timestamp: '1796600000000',
  attributes: 0,
  headers: {
    traceparent: '00-abc-def-01',
    [DLQ_HEADERS.topic]: 'bid.bid.changed.v1',
    [DLQ_HEADERS.partition]: '2',
    [DLQ_HEADERS.offset]: '41',
    [DLQ_HEADERS.group]: 'compliance',
    [DLQ_HEADERS.errorCode]: 'RULES.LOAD_FAILED',
    [DLQ_HEADERS.error]: Buffer.from('rules table missing'),
    [DLQ_HEADERS.failedAt]: '2026-12-07T05:00:00.000Z',
    [DLQ_REPLAYED_FROM_HEADER]: 'bid.bid.changed.v1.dlq/0/3',
  },
  ...over,
});

describe('dlq-record', () => {
  describe('resolveDlqTopic()', () => {
    it('should add .dlq to an original topic and keep a dead-letter topic as it is', () => {
      expect(resolveDlqTopic('bid.bid.changed.v1')).toBe('bid.bid.changed.v1.dlq');
      expect(resolveDlqTopic('bid.bid.changed.v1.dlq')).toBe('bid.bid.changed.v1.dlq');
    });
  });

  describe('readDeadLetter()', () => {
    it('should read the dlq headers and the envelope', () => {
      expect(readDeadLetter('bid.bid.changed.v1.dlq', 1, message())).toMatchObject({
        dlqTopic: 'bid.bid.changed.v1.dlq',
        partition: 1,
        offset: '7',
        originalTopic: 'bid.bid.changed.v1',
        group: 'compliance',
        errorCode: 'RULES.LOAD_FAILED',
        error: 'rules table missing',
        failedAt: '2026-12-07T05:00:00.000Z',
        eventId: EVENT_ID,
        entity: 'bid',
        entityId: 'bid-1',
      });
    });

    it('should read a record whose value is not JSON and whose headers are missing', () => {
      const record = readDeadLetter('t.dlq', 0, message({ value: Buffer.from('{not json'), headers: {} }));
      expect(record).toMatchObject({ group: 'unknown', errorCode: 'unknown', error: '' });
      expect(record.eventId).toBeUndefined();
      expect(record.originalTopic).toBeUndefined();
    });
  });

  describe('matchesFilter()', () => {
    const record = readDeadLetter('bid.bid.changed.v1.dlq', 0, message());

    it('should match everything without criteria', () => {
      expect(matchesFilter(record, {})).toBe(true);
      expect(matchesFilter(record, { errorCodes: [], groups: [], eventIds: [] })).toBe(true);
    });

    it('should need every criterion to hold, and any value of one', () => {
      expect(matchesFilter(record, { errorCodes: ['X', 'RULES.LOAD_FAILED'] })).toBe(true);
      expect(matchesFilter(record, { errorCodes: ['X'] })).toBe(false);
      expect(matchesFilter(record, { groups: ['compliance'], errorCodes: ['RULES.LOAD_FAILED'] })).toBe(true);
      expect(matchesFilter(record, { groups: ['bid'], errorCodes: ['RULES.LOAD_FAILED'] })).toBe(false);
    });

    it('should compare event ids without case, and never match a record without one', () => {
      expect(matchesFilter(record, { eventIds: [EVENT_ID.toUpperCase()] })).toBe(true);
      expect(matchesFilter(record, { eventIds: ['other'] })).toBe(false);
      const poison = readDeadLetter('t.dlq', 0, message({ value: Buffer.from('x') }));
      expect(matchesFilter(poison, { eventIds: [EVENT_ID] })).toBe(false);
    });
  });

  describe('replayMessage()', () => {
    it('should keep the key, value and original headers, drop every dlq-* header and name its origin', () => {
      const record = readDeadLetter('bid.bid.changed.v1.dlq', 1, message());
      const replay = replayMessage(record);
      expect(replay.key).toEqual(Buffer.from('bid-1'));
      expect(replay.value).toBe(record.value);
      expect(replay.headers).toEqual({
        traceparent: '00-abc-def-01',
        [DLQ_REPLAYED_FROM_HEADER]: 'bid.bid.changed.v1.dlq/1/7',
      });
    });
  });
});
