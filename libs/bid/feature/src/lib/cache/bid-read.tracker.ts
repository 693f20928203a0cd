import { Injectable } from '@nestjs/common';
import { RecentReads } from '@platform/cache';

/** How long a read makes a key worth refilling after a write: the L1 TTL of the bid namespaces (30 s). */
export const BID_RECENT_READ_WINDOW_MS = 30_000;
/** Keys remembered at most (about 100 bytes each). */
export const BID_RECENT_READ_MAX_KEYS = 50_000;

/**
 * The bid service's cached reads of the last 30 s on this instance (`bid:{bidID}`,
 * `bids:buyer:{buyerID}:active`), so the refill after a write reloads only keys someone reads.
 */
@Injectable()
export class BidReadTracker extends RecentReads {
  constructor() {
    super(BID_RECENT_READ_WINDOW_MS, BID_RECENT_READ_MAX_KEYS);
  }
}
