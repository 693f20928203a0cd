import { ContractViolationError } from '@platform/contracts';

/**
 * A message that can never be handled as it is (not JSON, or not matching its contract). It goes to the
 * dead-letter topic at once: retrying it would only block the partition.
 */
export class PoisonMessageError extends Error {
  /** Stable code, also written to the dead-letter message's `dlq-error-code` header. */
  readonly code: string;

  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options);
    this.name = 'PoisonMessageError';
    this.code = options?.code ?? 'EVENT.MALFORMED';
  }
}

/**
 * A failure of infrastructure the handler needs (Redis, Postgres, the dead-letter producer), not of the
 * message. The message is retried with capped backoff until it succeeds, and its offset is not committed
 * meanwhile: sending an event to the dead-letter topic because Redis blinked would lose an invalidation.
 */
export class TransientConsumerError extends Error {
  /** Stable code of the underlying failure when it had one (e.g. `E_L2_UNAVAILABLE`). */
  readonly code: string;

  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options);
    this.name = 'TransientConsumerError';
    this.code = options?.code ?? 'CONSUMER.TRANSIENT';
  }
}

/** How the consumer treats a failure: dead-letter at once, retry without limit, or retry a few times. */
export type FailureKind = 'poison' | 'transient' | 'failed';

/** Error codes that mean "a dependency is down", not "this message is bad". */
export const TRANSIENT_ERROR_CODES: ReadonlySet<string> = new Set(['E_L2_UNAVAILABLE', 'E_CACHE_CLOSED']);

/**
 * Classifies a handler failure: contract violations are poison; the cache's `E_L2_UNAVAILABLE` (Redis down)
 * and {@link TransientConsumerError} are transient; anything else is an ordinary failure, retried a bounded
 * number of times before the dead-letter topic.
 */
export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof PoisonMessageError || error instanceof ContractViolationError) return 'poison';
  if (error instanceof TransientConsumerError) return 'transient';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_ERROR_CODES.has(code)) return 'transient';
  return 'failed';
}

/** Stable code of an error for logs and dead-letter headers (`code` when it has one, else its name). */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.length > 0) return code;
  return error instanceof Error ? error.name : 'UNKNOWN';
}
