import { CallRecorded } from '@platform/contracts';
import { describeDtoProperties, validValues as v } from '@platform/service-kit/testing';
import fc from 'fast-check';
import { RevenueBuyerParam, RevenueQuery } from '../buyer-revenue.controller';
import { CallHourParams, PerformanceParams } from '../metrics/call-metrics.controller';
import { PERFORMANCE_METRICS } from '../metrics/call-metrics.service';
import { RecordCallGrpcDto, RecordCallsGrpcDto } from './call-record-grpc.dto';
import {
  CallRecordIdDto,
  ListCallRecordsQuery,
  MAX_DURATION_SECONDS,
  MAX_REVENUE_CENTS,
  RecordCallDto,
  RecordCallsDto,
} from './call-record.dto';

/** Fields shared by REST and gRPC; `startedAt` is in the past (at most 5 minutes ahead is accepted). */
const callFields = {
  callId: v.entityId(),
  buyerId: v.entityId(),
  state: v.usState(),
  startedAt: v.rfc3339({ max: new Date(Date.now() - 60_000) }),
  durationSeconds: fc.integer({ min: 0, max: MAX_DURATION_SECONDS }),
  revenueCents: fc.integer({ min: 0, max: MAX_REVENUE_CENTS }),
};
const recordCall = fc.record({
  ...callFields,
  outcome: fc.constantFrom(...CallRecorded.CallOutcome.options),
});
const recordCallGrpc = fc.record({ ...callFields, outcome: fc.integer({ min: 1, max: 4 }) });

/** `from` strictly before `to` (a second or more apart, so every rendering keeps the order); either may be left out. */
const window = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2089-12-31T00:00:00Z'), noInvalidDate: true })
  .chain((from) =>
    fc.record(
      {
        from: v.rfc3339({ min: from, max: from }),
        to: v.rfc3339({
          min: new Date(from.getTime() + 1000),
          max: new Date(from.getTime() + 10 * 365 * 86_400_000),
        }),
      },
      { requiredKeys: [] },
    ),
  );
const listQuery = (limit: fc.Arbitrary<unknown>, buyerId: fc.Arbitrary<string> = v.entityId()) =>
  fc
    .tuple(window, fc.record({ buyerId, limit }, { requiredKeys: [] }))
    .map(([range, rest]) => ({ ...range, ...rest }));

/** A real UTC date `YYYY-MM-DD`. */
const utcDate = fc
  .date({ min: new Date('2001-01-01T00:00:00Z'), max: new Date('2090-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10));

describe('analytics request DTOs (property-based)', () => {
  describeDtoProperties(RecordCallDto, { valid: recordCall });

  describeDtoProperties(RecordCallsDto, {
    valid: fc.record({ calls: fc.array(recordCall, { minLength: 1, maxLength: 20 }) }),
  });

  describeDtoProperties(ListCallRecordsQuery, {
    source: 'query',
    valid: listQuery(v.pageLimit().map(String)),
  });

  describeDtoProperties(CallRecordIdDto, { source: 'param', valid: fc.record({ id: v.uuid() }) });

  describeDtoProperties(RevenueBuyerParam, { source: 'param', valid: fc.record({ buyerId: v.entityId() }) });

  describeDtoProperties(RevenueQuery, {
    source: 'query',
    valid: fc.record({
      period: fc.oneof(
        utcDate,
        utcDate.map((day) => day.slice(0, 7)),
      ),
    }),
  });

  describeDtoProperties(CallHourParams, {
    source: 'param',
    valid: fc.record({
      date: utcDate,
      hour: fc.integer({ min: 0, max: 23 }).map((h) => String(h).padStart(2, '0')),
    }),
  });

  describeDtoProperties(PerformanceParams, {
    source: 'param',
    valid: fc.record({ metric: fc.constantFrom(...Object.keys(PERFORMANCE_METRICS)) }),
  });

  describe('gRPC', () => {
    describeDtoProperties(RecordCallGrpcDto, { source: 'payload', valid: recordCallGrpc });

    describeDtoProperties(RecordCallsGrpcDto, {
      source: 'payload',
      valid: fc.record({ calls: fc.array(recordCallGrpc, { minLength: 1, maxLength: 20 }) }),
    });

    // `''` and `limit: 0` are proto3's unset.
    describeDtoProperties(ListCallRecordsQuery, {
      source: 'payload',
      valid: fc
        .tuple(
          listQuery(fc.oneof(v.pageLimit(), fc.constant(0)), fc.oneof(v.entityId(), fc.constant(''))),
          fc.boolean(),
        )
        .map(([query, unsetFrom]) =>
          unsetFrom && query.from === undefined ? { ...query, from: '' } : query,
        ),
    });

    describeDtoProperties(CallRecordIdDto, { source: 'payload', valid: fc.record({ id: v.uuid() }) });
  });
});
