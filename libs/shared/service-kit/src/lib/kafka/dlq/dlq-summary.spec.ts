import type { DeadLetteredRecord } from './dlq-record';
import { DlqSummaryBuilder } from './dlq-summary';

const record = (offset: number, over: Partial<DeadLetteredRecord> = {}): DeadLetteredRecord => ({
  dlqTopic: 't.dlq',
  partition: 0,
  offset: String(offset),
  key: null,
  value: null,
  headers: {},
  group: 'bid',
  errorCode: 'Error',
  error: 'boom',
  failedAt: `2026-12-07T05:00:${String(60 - offset).padStart(2, '0')}.000Z`,
  ...over,
});

describe(DlqSummaryBuilder, () => {
  it('should count by error code and group, split replayed from pending and find the time range', () => {
    const builder = new DlqSummaryBuilder('t.dlq', 10);
    builder.add(record(1), false);
    builder.add(record(2, { errorCode: 'EVENT.NOT_JSON', group: 'analytics' }), true);
    builder.add(record(3), false);
    builder.skip();
    const summary = builder.build();
    expect(summary).toMatchObject({
      scanned: 4,
      matched: 3,
      replayed: 1,
      pending: 2,
      byErrorCode: { Error: 2, 'EVENT.NOT_JSON': 1 },
      byGroup: { bid: 2, analytics: 1 },
      oldestFailedAt: '2026-12-07T05:00:57.000Z',
      newestFailedAt: '2026-12-07T05:00:59.000Z',
    });
  });

  it('should keep only the oldest records, oldest first', () => {
    const builder = new DlqSummaryBuilder('t.dlq', 2);
    for (const offset of [1, 5, 3, 4, 2]) builder.add(record(offset), false);
    // failedAt falls as the offset rises here: the oldest are offsets 5 and 4.
    expect(builder.build().records.map((r) => r.offset)).toEqual(['5', '4']);
  });

  it('should keep no records with a sample size of 0', () => {
    const builder = new DlqSummaryBuilder('t.dlq', 0);
    builder.add(record(1), false);
    expect(builder.build().records).toEqual([]);
  });
});
