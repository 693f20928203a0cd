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
});
/** A buyer's routing criteria as consumers see them. */
export type Snapshot = z.infer<typeof Snapshot>;

/** Schema of `routing.buyer.changed.v1`. */
export const Value = entityChangedSchema('buyer', Snapshot);
/** Value of `routing.buyer.changed.v1`. */
export type Value = z.infer<typeof Value>;
