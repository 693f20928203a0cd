import { z } from 'zod';
import { entityChangedSchema } from '../../envelope';

/** Which compliance rule kind changed. */
export const RuleKind = z.enum(['tcpa', 'dnc', 'state']);
/** Which compliance rule kind changed. */
export type RuleKind = z.infer<typeof RuleKind>;

/**
 * Enough to find the affected cache keys: `compliance:tcpa:v{version}`, `compliance:dnc:{hash}`,
 * `compliance:state:{state}`, or the whole DNC list (`dncGeneration`).
 */
export const Snapshot = z.object({
  kind: RuleKind,
  tcpaVersion: z.number().int().positive().optional(),
  phoneHash: z
    .string()
    .regex(/^[a-f0-9]{64}$/)
    .optional(),
  state: z.string().length(2).optional(),
  active: z.boolean().optional(),
  /**
   * With `kind: 'dnc'` and no `phoneHash`: the DNC list as a whole moved to this generation (a bulk import
   * committed), so every cached DNC answer and the membership filter of the previous generation are stale.
   */
  dncGeneration: z.number().int().nonnegative().optional(),
});
/** Enough to find the affected cache keys. */
export type Snapshot = z.infer<typeof Snapshot>;

/** Schema of `compliance.rules.changed.v1`. */
export const Value = entityChangedSchema('compliance-rule', Snapshot);
/** Value of `compliance.rules.changed.v1`. */
export type Value = z.infer<typeof Value>;
