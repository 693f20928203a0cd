import { SetMetadata } from '@nestjs/common';
import type { RateLimitRule } from './gcra';

/** Metadata key of a route's own rate limit (`false`: not limited). */
export const RATE_LIMIT_METADATA = 'service-kit:rate-limit';

/**
 * A route's (or a controller's) own per-client limit, instead of `RATE_LIMIT_POINTS` per `RATE_LIMIT_WINDOW_S`:
 * `@RateLimit({ points: 10, perSeconds: 60 })`, counted in a budget of its own. `@RateLimit(false)` exempts it.
 */
export const RateLimit = (rule: RateLimitRule | false): MethodDecorator & ClassDecorator => {
  if (rule !== false && !(Number.isInteger(rule.points) && rule.points > 0 && rule.perSeconds > 0)) {
    throw new Error(
      `@RateLimit: points must be a positive integer and perSeconds > 0, got ${JSON.stringify(rule)}`,
    );
  }
  return SetMetadata(RATE_LIMIT_METADATA, rule);
};
