import { z } from 'zod';
import { entityChangedSchema } from '../../envelope';

/** A buyer's routing criteria as consumers see them. */
export const Snapshot = z.object({
  buyerId: z.string().min(1),
  states: z.array(z.string().length(2)),
  minBidCents: z.number().int().nonnegative(),
  maxConcurrentCalls: z.number().int().nonnegative(),
  priority: z.number().int(),
  active: z.boolean(),
  /** Calling hours (added to v1 as optional fields, so older producers' events still validate). */
  timeZone: z.string().min(1).optional(),
  hoursStartMinute: z.number().int().min(0).max(1439).optional(),
  hoursEndMinute: z.number().int().min(1).max(1440).optional(),
  /** Most calls per UTC day; null: no cap. */
  dailyCap: z.number().int().nonnegative().nullable().optional(),
});
/** A buyer's routing criteria as consumers see them. */
export type Snapshot = z.infer<typeof Snapshot>;

/** Schema of `routing.buyer.changed.v1`. */
export const Value = entityChangedSchema('buyer', Snapshot);
/** Value of `routing.buyer.changed.v1`. */
export type Value = z.infer<typeof Value>;
