import type { RedisConnection } from '@platform/cache';
import { createHash } from 'node:crypto';
import { GCRA_LUA, LocalGcra, type RateLimitDecision, type RateLimitRule } from './gcra';

/** Why a decision was made in memory instead of in Redis. */
export type FallbackReason = 'error' | 'timeout' | 'open';

/** Options of a {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Where the budgets live; `null`: only in memory. */
  redis: RedisConnection | null;
  /** Prefix of the keys in Redis (the service's cache prefix), e.g. `bid:`. */
  prefix: string;
  /** Longest wait for Redis before the request is judged in memory, ms (default 50). */
  timeoutMs?: number;
  /** After a failure, how long Redis is left alone before it is asked again, ms (default 1000). */
  retryAfterFailureMs?: number;
  /** Called for every decision made in memory because Redis failed, timed out, or is being left alone. */
  onFallback?: (reason: FallbackReason, error?: unknown) => void;
}

const SCRIPT_SHA = createHash('sha1').update(GCRA_LUA).digest('hex');

/**
 * Per-client budgets shared by every instance of a service through Redis (standalone or Cluster): one script,
 * one round trip, one key per client and rule. Redis never fails a request: an error, or no answer within
 * `timeoutMs`, and the request is judged by an in-process limiter instead ({@link LocalGcra}), and Redis is
 * left alone for `retryAfterFailureMs` so a slow server does not add its timeout to every request.
 */
export class RateLimiter {
  private readonly local = new LocalGcra();
  private readonly timeoutMs: number;
  private readonly retryAfterFailureMs: number;
  private skipRedisUntil = 0;

  constructor(private readonly options: RateLimiterOptions) {
    this.timeoutMs = options.timeoutMs ?? 50;
    this.retryAfterFailureMs = options.retryAfterFailureMs ?? 1000;
  }

  /** The Redis key of a client under a rule: hashed, so ids and addresses never appear in Redis. */
  keyOf(client: string, ruleId: string): string {
    const digest = createHash('sha256').update(`${ruleId}\0${client}`).digest('base64url').slice(0, 22);
    return `${this.options.prefix}ratelimit:${digest}`;
  }

  /** Takes one point from `client`'s budget under `rule` (`ruleId` names the bucket: a route, or `default`). */
  async consume(client: string, ruleId: string, rule: RateLimitRule): Promise<RateLimitDecision> {
    const key = this.keyOf(client, ruleId);
    const redis = this.options.redis;
    if (redis === null) return this.local.consume(key, rule);
    if (Date.now() < this.skipRedisUntil) return this.fallback(key, rule, 'open');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    try {
      const answer = await Promise.race([this.run(redis, key, rule), timeout]);
      if (answer === 'timeout') return this.fallback(key, rule, 'timeout');
      const [allowed, remaining, retryAfterMs, resetMs] = answer;
      return { allowed: allowed === 1, limit: rule.points, remaining, retryAfterMs, resetMs };
    } catch (error) {
      return this.fallback(key, rule, 'error', error);
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(redis: RedisConnection, key: string, rule: RateLimitRule): Promise<number[]> {
    const args = [String(rule.points), String(rule.perSeconds * 1000)];
    try {
      return (await redis.evalsha(SCRIPT_SHA, 1, key, ...args)) as number[];
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return (await redis.eval(GCRA_LUA, 1, key, ...args)) as number[];
    }
  }

  private fallback(
    key: string,
    rule: RateLimitRule,
    reason: FallbackReason,
    error?: unknown,
  ): RateLimitDecision {
    if (reason !== 'open') this.skipRedisUntil = Date.now() + this.retryAfterFailureMs;
    this.options.onFallback?.(reason, error);
    return this.local.consume(key, rule);
  }
}
