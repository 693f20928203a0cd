import { describeDtoProperties, validValues as v } from '@platform/service-kit/testing';
import fc from 'fast-check';
import { DecideRouteDto, StatsHourDto } from './route-decision.dto';
import { ListBuyerCriteriaGrpcDto, UpsertBuyerCriteriaGrpcDto } from './routing-grpc.dto';
import {
  BuyerIdDto,
  ListBuyerCriteriaQuery,
  MAX_CONCURRENT_CALLS,
  MAX_DAILY_CAP,
  MAX_MIN_BID_CENTS,
  MAX_STATES,
  PRIORITY_RANGE,
  UpsertBuyerCriteriaDto,
} from './routing.dto';

const pad = (n: number) => String(n).padStart(2, '0');
/** `HH:MM` from `00:00` to `23:59`. */
const hoursStart = fc
  .integer({ min: 0, max: 24 * 60 - 1 })
  .map((m) => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`);
/** `HH:MM` from `00:01` to `24:00` (the documented range of an exclusive end). */
const hoursEnd = fc.integer({ min: 1, max: 24 * 60 }).map((m) => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`);

const criteria = {
  states: fc.array(v.usState(), { minLength: 1, maxLength: MAX_STATES }),
  minBidCents: fc.integer({ min: 0, max: MAX_MIN_BID_CENTS }),
  maxConcurrentCalls: fc.integer({ min: 0, max: MAX_CONCURRENT_CALLS }),
  priority: fc.integer(PRIORITY_RANGE),
  active: fc.boolean(),
  timeZone: v.timeZone(),
  hoursStart,
  hoursEnd,
  // Omitted or null: no cap.
  dailyCap: fc.option(fc.integer({ min: 0, max: MAX_DAILY_CAP })),
};
const criteriaRequired = ['states', 'minBidCents', 'maxConcurrentCalls'] as const;

describe('routing request DTOs (property-based)', () => {
  describeDtoProperties(UpsertBuyerCriteriaDto, {
    valid: fc.record(criteria, { requiredKeys: [...criteriaRequired] }),
  });

  describeDtoProperties(ListBuyerCriteriaQuery, {
    source: 'query',
    valid: fc.record(
      { state: v.usState(), active: fc.constantFrom('true', 'false'), limit: v.pageLimit().map(String) },
      { requiredKeys: [] },
    ),
  });

  describeDtoProperties(BuyerIdDto, { source: 'param', valid: fc.record({ buyerId: v.entityId() }) });

  describeDtoProperties(DecideRouteDto, {
    valid: fc.record(
      {
        state: v.usState(),
        at: v.rfc3339(),
        bidCents: fc.integer({ min: 0, max: MAX_MIN_BID_CENTS }),
        limit: v.pageLimit(),
      },
      { requiredKeys: ['state'] },
    ),
  });

  describeDtoProperties(StatsHourDto, { source: 'param', valid: fc.record({ hour: v.utcHour() }) });

  describe('gRPC', () => {
    describeDtoProperties(UpsertBuyerCriteriaGrpcDto, {
      source: 'payload',
      valid: fc.record(
        { ...criteria, buyerId: v.entityId() },
        { requiredKeys: [...criteriaRequired, 'buyerId'] },
      ),
    });

    describeDtoProperties(ListBuyerCriteriaGrpcDto, {
      source: 'payload',
      valid: fc.record(
        // `state: ''` = no filter, `limit: 0` = default (proto3 defaults).
        {
          state: fc.oneof(v.usState(), fc.constant('')),
          active: fc.boolean(),
          limit: fc.oneof(v.pageLimit(), fc.constant(0)),
        },
        { requiredKeys: [] },
      ),
    });

    describeDtoProperties(BuyerIdDto, { source: 'payload', valid: fc.record({ buyerId: v.entityId() }) });

    describeDtoProperties(DecideRouteDto, {
      source: 'payload',
      valid: fc.record(
        {
          state: v.usState(),
          at: fc.oneof(v.rfc3339(), fc.constant('')),
          bidCents: fc.integer({ min: 0, max: MAX_MIN_BID_CENTS }),
          limit: fc.oneof(v.pageLimit(), fc.constant(0)),
        },
        { requiredKeys: ['state'] },
      ),
    });

    describeDtoProperties(StatsHourDto, { source: 'payload', valid: fc.record({ hour: v.utcHour() }) });
  });
});
