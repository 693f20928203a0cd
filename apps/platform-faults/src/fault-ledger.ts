/**
 * What the fault suite's load did to the data and what it saw, and the verdicts drawn from it afterwards:
 * stale reads after the published bound, lost writes, lost invalidations. Pure bookkeeping (no I/O), so the
 * rules that decide a verdict are unit-tested on their own (`fault-ledger.spec.ts`).
 *
 * The load writes every entity one request at a time and every value it writes is new, so an entity's writes
 * have one order (the order they were sent) and a value read back names the write it came from.
 */

/** How a read's value travels from a write to the instance that answered: which published bound holds. */
export type InvalidationPath = 'bid' | 'routing' | 'cross-service';

/** One write the load sent: its value, when it was sent, and when (if) it was acknowledged with a 2xx. */
export interface WriteAttempt {
  readonly value: number;
  readonly sentAt: number;
  ackedAt?: number;
}

/** One value a read returned for an entity. */
export interface ReadObservation {
  readonly entity: string;
  readonly value: number;
  readonly startedAt: number;
  readonly path: InvalidationPath;
  /** Which instance answered, for the report. */
  readonly via?: string;
}

/** A span during which one invalidation path could not carry anything (e.g. Kafka stopped until drained). */
export interface PathOutage {
  readonly path: InvalidationPath;
  readonly from: number;
  readonly to: number;
}

/** The writes of one entity in the order sent; index 0 is the value it was seeded with. */
export class EntityHistory {
  readonly attempts: WriteAttempt[];

  constructor(initialValue: number) {
    this.attempts = [
      { value: initialValue, sentAt: Number.NEGATIVE_INFINITY, ackedAt: Number.NEGATIVE_INFINITY },
    ];
  }

  /** Records a write about to be sent; returns it so the caller can mark its acknowledgement. */
  begin(value: number, sentAt: number): WriteAttempt {
    if (this.indexOf(value) !== undefined) throw new Error(`value ${value} was written before`);
    const attempt: WriteAttempt = { value, sentAt };
    this.attempts.push(attempt);
    return attempt;
  }

  /** The position of the write that produced `value`, or undefined for a value the load never wrote. */
  indexOf(value: number): number | undefined {
    const index = this.attempts.findIndex((attempt) => attempt.value === value);
    return index < 0 ? undefined : index;
  }

  /** The position of the newest acknowledged write (0: only the seed). */
  lastAcked(): number {
    for (let i = this.attempts.length - 1; i > 0; i--) if (this.attempts[i].ackedAt !== undefined) return i;
    return 0;
  }
}

/** Every entity's history and every read's observation, for one phase of the suite. */
export class FaultLedger {
  private readonly histories = new Map<string, EntityHistory>();
  readonly reads: ReadObservation[] = [];

  /** Declares an entity and the value it holds before the phase. */
  seed(entity: string, value: number): void {
    this.histories.set(entity, new EntityHistory(value));
  }

  history(entity: string): EntityHistory {
    const history = this.histories.get(entity);
    if (!history) throw new Error(`unknown entity ${entity}`);
    return history;
  }

  has(entity: string): boolean {
    return this.histories.has(entity);
  }

  entities(): string[] {
    return [...this.histories.keys()];
  }

  observe(read: ReadObservation): void {
    this.reads.push(read);
  }
}

/**
 * When the bound of write `attempt` starts: its acknowledgement, or the end of an outage of the read's path
 * that overlaps the bound's window (nothing can travel a stopped path; the wait is the time to recover).
 */
export function boundStart(
  attempt: WriteAttempt,
  path: InvalidationPath,
  boundMs: number,
  outages: readonly PathOutage[],
): number {
  const acked = attempt.ackedAt ?? Number.POSITIVE_INFINITY;
  let start = acked;
  for (const outage of outages) {
    if (outage.path === path && acked + boundMs > outage.from && acked < outage.to)
      start = Math.max(start, outage.to);
  }
  return start;
}

/**
 * Whether `read` returned a value older than a write whose bound had passed when the read started. A value
 * the load never wrote counts as stale too (it can only be a corrupted or foreign value).
 */
export function isStaleAfterBound(
  history: EntityHistory,
  read: ReadObservation,
  boundMs: number,
  outages: readonly PathOutage[] = [],
): boolean {
  const seen = history.indexOf(read.value);
  if (seen === undefined) return true;
  for (let i = history.attempts.length - 1; i > seen; i--) {
    const attempt = history.attempts[i];
    if (attempt.ackedAt === undefined) continue;
    if (boundStart(attempt, read.path, boundMs, outages) + boundMs < read.startedAt) return true;
  }
  return false;
}

/**
 * Whether an acknowledged write is missing from the database: the stored value must be the newest
 * acknowledged write or a later one (a write that failed at the caller may still have committed).
 */
export function isWriteLost(history: EntityHistory, storedValue: number): boolean {
  const stored = history.indexOf(storedValue);
  return stored === undefined || stored < history.lastAcked();
}
