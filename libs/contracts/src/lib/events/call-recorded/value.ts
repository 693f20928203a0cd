import { z } from 'zod';
import { entityChangedSchema } from '../../envelope';

/** How a call ended. */
export const CallOutcome = z.enum(['connected', 'missed', 'rejected', 'failed']);
/** How a call ended. */
export type CallOutcome = z.infer<typeof CallOutcome>;

/** A recorded call as consumers see it. */
export const Snapshot = z.object({
  id: z.uuid(),
  callId: z.string().min(1),
  buyerId: z.string().min(1),
  state: z.string().length(2),
  startedAt: z.iso.datetime({ offset: true }),
  durationSeconds: z.number().int().nonnegative(),
  revenueCents: z.number().int().nonnegative(),
  outcome: CallOutcome,
});
/** A recorded call as consumers see it. */
export type Snapshot = z.infer<typeof Snapshot>;

/** Schema of `analytics.call.recorded.v1`. */
export const Value = entityChangedSchema('call-record', Snapshot);
/** Value of `analytics.call.recorded.v1`. */
export type Value = z.infer<typeof Value>;
