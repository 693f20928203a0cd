import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** What happened to the entity. */
export const ChangeOp = z.enum(['created', 'updated', 'deleted']);
/** What happened to the entity. */
export type ChangeOp = z.infer<typeof ChangeOp>;

/**
 * Builds the schema of an entity-change event: the common envelope plus the entity's state before and
 * after the change. Invalidation needs both: a bid that moves from buyer A to buyer B must evict both
 * buyers' lists.
 */
export const entityChangedSchema = <E extends string, S extends z.ZodType>(entity: E, snapshot: S) =>
  z.object({
    eventId: z.uuid(),
    occurredAt: z.iso.datetime({ offset: true }),
    correlationId: z.string().min(1).max(128),
    causationId: z.string().min(1).max(128).nullable(),
    entity: z.literal(entity),
    entityId: z.string().min(1).max(128),
    op: ChangeOp,
    version: z.number().int().nonnegative(),
    changedFields: z.array(z.string()),
    before: snapshot.nullable(),
    after: snapshot.nullable(),
  });

/** The envelope every event carries, whatever its entity. */
export interface EventEnvelope<E extends string = string, S = unknown> {
  eventId: string;
  occurredAt: string;
  correlationId: string;
  causationId: string | null;
  entity: E;
  entityId: string;
  op: ChangeOp;
  version: number;
  changedFields: string[];
  before: S | null;
  after: S | null;
}

/** Fields the producer chooses; the rest (`eventId`, `occurredAt`, `changedFields`) are filled in. */
export type EnvelopeInput<E extends string, S> = Omit<
  EventEnvelope<E, S>,
  'eventId' | 'occurredAt' | 'changedFields' | 'correlationId' | 'causationId'
> & { correlationId?: string; causationId?: string | null };

/** Names the top-level fields whose values differ between two snapshots. */
export function changedFields<S>(before: S | null, after: S | null): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  return [...keys].filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key])).sort();
}

/** Creates an envelope with a fresh `eventId` and `occurredAt`. */
export function createEnvelope<E extends string, S>(input: EnvelopeInput<E, S>): EventEnvelope<E, S> {
  const eventId = randomUUID();
  return {
    ...input,
    eventId,
    occurredAt: new Date().toISOString(),
    correlationId: input.correlationId ?? eventId,
    causationId: input.causationId ?? null,
    changedFields: changedFields(input.before, input.after),
  };
}
