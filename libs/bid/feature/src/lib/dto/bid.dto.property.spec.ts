import { BidChanged } from '@platform/contracts';
import { describeDtoProperties, validValues as v } from '@platform/service-kit/testing';
import fc from 'fast-check';
import { BidStatsHourDto } from '../stats/bid-stats.dto';
import { BidIdDto, CreateBidDto, ListBidsQuery, MAX_BID_CENTS, UpdateBidDto } from './bid.dto';

const amount = fc.integer({ min: 0, max: MAX_BID_CENTS });
const status = fc.constantFrom(...BidChanged.BidStatus.options);

describe('bid request DTOs (property-based)', () => {
  describeDtoProperties(CreateBidDto, {
    valid: fc.record(
      {
        callId: v.entityId(),
        buyerId: v.entityId(),
        amountCents: amount,
        currency: fc.constantFrom('USD', 'EUR', 'CAD'),
        expiresAt: v.futureRfc3339(),
      },
      { requiredKeys: ['callId', 'buyerId', 'amountCents'] },
    ),
  });

  describeDtoProperties(UpdateBidDto, {
    valid: fc.record({ status, amountCents: amount }, { requiredKeys: [] }),
  });

  describeDtoProperties(ListBidsQuery, {
    source: 'query',
    valid: fc.record(
      {
        callId: v.entityId(),
        buyerId: v.entityId(),
        status,
        limit: v.pageLimit().map(String),
      },
      { requiredKeys: [] },
    ),
  });

  describeDtoProperties(BidIdDto, { source: 'param', valid: fc.record({ id: v.uuid() }) });

  describeDtoProperties(BidStatsHourDto, { source: 'param', valid: fc.record({ hour: v.utcHour() }) });
});
