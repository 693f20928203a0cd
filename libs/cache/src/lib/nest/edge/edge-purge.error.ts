/** Stable code of {@link EdgePurgeError}. */
export const EDGE_PURGE_FAILED = 'E_EDGE_PURGE_FAILED';

/**
 * An edge purge did not (fully) happen: the edge answered with an error, could not be reached, or the
 * provider's API refused the request. The caller (the module's `CacheInvalidator`) logs and counts it; it
 * never fails the invalidation that triggered it.
 */
export class EdgePurgeError extends Error {
  /** Always {@link EDGE_PURGE_FAILED}. */
  readonly code = EDGE_PURGE_FAILED;

  constructor(
    /** Name of the purger that failed, e.g. `varnish`. */
    readonly purger: string,
    /** What failed, one line per target or batch. */
    readonly failures: readonly string[],
    cause?: unknown,
  ) {
    super(`${purger} purge failed: ${failures.join('; ')}`, { cause });
    this.name = 'EdgePurgeError';
  }
}
