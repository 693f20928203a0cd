import { toMs } from '../core/duration';
import { InvalidOptionError } from '../core/errors';
import type { EntryPolicy } from './cache.types';

/** An {@link EntryPolicy} with every duration parsed to milliseconds. */
export interface ResolvedPolicy {
  /** L1 lifetime; 0 keeps the entry out of L1. */
  readonly l1Ms: number;
  /** L2 lifetime (also the entry's logical lifetime). */
  readonly l2Ms: number;
  /** Soft TTL, or 0 for none. */
  readonly softMs: number;
  /** Grace after expiry, or 0 for none. */
  readonly graceMs: number;
  /** Soft loader timeout, or 0 for none. */
  readonly softTimeoutMs: number;
  /** Hard loader timeout, or 0 for none. */
  readonly hardTimeoutMs: number;
}

/** The engine's built-in defaults: the bid domain's TTLs from the spec, no grace, no soft TTL. */
export const DEFAULT_POLICY: ResolvedPolicy = {
  l1Ms: 30_000,
  l2Ms: 300_000,
  softMs: 0,
  graceMs: 0,
  softTimeoutMs: 0,
  hardTimeoutMs: 0,
};

/**
 * Layers `override` on `base`. A single-duration TTL sets L2 to it and L1 to the smaller of it and the base
 * L1, so a short TTL is never outlived by L1.
 */
export function resolvePolicy(base: ResolvedPolicy, override: EntryPolicy | undefined): ResolvedPolicy {
  if (!override) return base;
  const { ttl, softTtl, grace, timeouts } = override;
  if (ttl === undefined && softTtl === undefined && grace === undefined && timeouts === undefined)
    return base;
  let l1Ms = base.l1Ms;
  let l2Ms = base.l2Ms;
  if (typeof ttl === 'number' || typeof ttl === 'string') {
    l2Ms = toMs(ttl, 'ttl');
    l1Ms = Math.min(base.l1Ms, l2Ms);
  } else if (ttl !== undefined) {
    if (ttl === null || typeof ttl !== 'object')
      throw new InvalidOptionError('ttl: expected a duration or { l1, l2 }');
    if (ttl.l2 !== undefined) l2Ms = toMs(ttl.l2, 'ttl.l2');
    l1Ms = ttl.l1 !== undefined ? toMs(ttl.l1, 'ttl.l1', true) : Math.min(base.l1Ms, l2Ms);
  }
  const softMs = softTtl === undefined ? base.softMs : softTtl === false ? 0 : toMs(softTtl, 'softTtl', true);
  const graceMs = grace === undefined ? base.graceMs : grace === false ? 0 : toMs(grace, 'grace', true);
  const softTimeoutMs =
    timeouts?.soft === undefined ? base.softTimeoutMs : toMs(timeouts.soft, 'timeouts.soft', true);
  const hardTimeoutMs =
    timeouts?.hard === undefined ? base.hardTimeoutMs : toMs(timeouts.hard, 'timeouts.hard', true);
  return { l1Ms: Math.min(l1Ms, l2Ms), l2Ms, softMs, graceMs, softTimeoutMs, hardTimeoutMs };
}
