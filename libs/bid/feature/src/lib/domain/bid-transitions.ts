import type { BidChanged } from '@platform/contracts';
import { PreconditionFailedError } from '@platform/service-kit';

/** The statuses a bid may move to from each status: `active → won | lost | expired`, nothing else. */
export const BID_TRANSITIONS: Readonly<
  Partial<Record<BidChanged.BidStatus, readonly BidChanged.BidStatus[]>>
> = {
  active: ['won', 'lost', 'expired'],
};

/**
 * Throws `BID.ILLEGAL_TRANSITION` (409 / `FAILED_PRECONDITION`, naming both states) unless `from → to` is
 * allowed. Staying in the same status is not a transition and is always allowed (a retried request).
 */
export function assertTransition(from: BidChanged.BidStatus, to: BidChanged.BidStatus): void {
  if (from === to || BID_TRANSITIONS[from]?.includes(to)) return;
  throw new PreconditionFailedError(
    'BID.ILLEGAL_TRANSITION',
    `A bid cannot move from ${from} to ${to} (allowed: active → won | lost | expired)`,
  );
}
