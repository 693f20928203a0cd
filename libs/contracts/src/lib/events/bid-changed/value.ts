import { z } from 'zod';
import { entityChangedSchema } from '../../envelope';

/** Bid statuses, shared by the bid service and its consumers. */
export const BidStatus = z.enum(['pending', 'active', 'won', 'lost', 'expired', 'cancelled']);
/** Bid statuses, shared by the bid service and its consumers. */
export type BidStatus = z.infer<typeof BidStatus>;

/** The bid fields that consumers need to invalidate and aggregate. */
export const Snapshot = z.object({
  id: z.uuid(),
  callId: z.string().min(1),
  buyerId: z.string().min(1),
  amountCents: z.number().int().nonnegative(),
  currency: z.string().length(3),
  status: BidStatus,
});
/** The bid fields that consumers need to invalidate and aggregate. */
export type Snapshot = z.infer<typeof Snapshot>;

/** Schema of `bid.bid.changed.v1`. */
export const Value = entityChangedSchema('bid', Snapshot);
/** Value of `bid.bid.changed.v1`. */
export type Value = z.infer<typeof Value>;
