import { DomainError } from '../errors/domain.error';
import type { RateLimitDecision } from './gcra';

/**
 * A client over its budget. Code: `RATE_LIMIT.EXCEEDED` (429 with `Retry-After` and `RateLimit-*` headers,
 * gRPC `RESOURCE_EXHAUSTED` with `retry-after` metadata).
 */
export class RateLimitExceededError extends DomainError {
  readonly kind = 'rate_limited' as const;
  readonly code = 'RATE_LIMIT.EXCEEDED';
  override readonly retryAfterSeconds: number;
  override readonly httpHeaders: Readonly<Record<string, string>>;

  constructor(decision: RateLimitDecision) {
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    super(`Too many requests: at most ${decision.limit} in this window; retry in ${seconds} s`);
    this.retryAfterSeconds = seconds;
    this.httpHeaders = rateLimitHeaders(decision);
  }
}

/** The `RateLimit-Limit`, `-Remaining` and `-Reset` (seconds) headers of a decision. */
export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(Math.max(0, Math.ceil(decision.resetMs / 1000))),
  };
}
