export { RateLimit } from './rate-limit.decorator';
export { RateLimitExceededError } from './rate-limit.error';
export { RateLimitGuard, RATE_LIMIT_EXEMPT_PATHS } from './rate-limit.guard';
export { RateLimiter, type RateLimiterOptions, type FallbackReason } from './rate-limiter';
export { LocalGcra, gcraStep, type RateLimitRule, type RateLimitDecision } from './gcra';
export { RATE_LIMIT_DECISIONS_METRIC, RATE_LIMIT_FALLBACKS_METRIC } from './rate-limit.providers';
