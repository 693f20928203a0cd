/** A rate: `points` requests per `perSeconds`, with a burst of up to `points` at once. */
export interface RateLimitRule {
  points: number;
  perSeconds: number;
}

/** What one request is told by the limiter. */
export interface RateLimitDecision {
  allowed: boolean;
  /** The rule's `points` (the `RateLimit-Limit` header). */
  limit: number;
  /** Requests the client could still make right now. */
  remaining: number;
  /** Milliseconds until the next request would be allowed (0 when this one was). */
  retryAfterMs: number;
  /** Milliseconds until the client's whole budget is back. */
  resetMs: number;
}

/** The state kept per client: its theoretical arrival time (TAT), epoch ms. */
export interface GcraStep {
  decision: RateLimitDecision;
  /** The TAT to store (unchanged when the request was refused). */
  tat: number;
}

/** The emission interval of a rule: one point comes back every this many milliseconds. */
export const emissionIntervalMs = (rule: RateLimitRule): number => (rule.perSeconds * 1000) / rule.points;

/**
 * One step of the generic cell rate algorithm (GCRA): a client's state is a single number, the time its
 * budget will be full again, so a check is one read and one write of one key. A request is allowed while
 * that time is at most `perSeconds` ahead of now; each allowed request pushes it one emission interval on.
 * The Lua script in {@link GCRA_LUA} is the same arithmetic, run inside Redis.
 */
export function gcraStep(storedTat: number | undefined, now: number, rule: RateLimitRule): GcraStep {
  const interval = emissionIntervalMs(rule);
  const period = rule.perSeconds * 1000;
  const tat = Math.max(storedTat ?? now, now);
  const newTat = tat + interval;
  const allowAt = newTat - period;
  if (now < allowAt) {
    return {
      tat,
      decision: {
        allowed: false,
        limit: rule.points,
        remaining: 0,
        retryAfterMs: allowAt - now,
        resetMs: tat - now,
      },
    };
  }
  return {
    tat: newTat,
    decision: {
      allowed: true,
      limit: rule.points,
      remaining: Math.min(rule.points - 1, Math.floor((now - allowAt) / interval)),
      retryAfterMs: 0,
      resetMs: newTat - now,
    },
  };
}

/**
 * {@link gcraStep} as a Redis script: `KEYS[1]` the client's key, `ARGV` points and period (ms). Time is the
 * server's (`TIME`), so every instance sharing the Redis judges by the same clock. One key per call: it runs
 * on a Redis Cluster as on a single server. Returns `{allowed, remaining, retryAfterMs, resetMs}`.
 */
export const GCRA_LUA = `
local points = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local interval = period / points
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, 0, math.ceil(allow_at - now), math.ceil(tat - now)}
end
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.max(1, math.ceil(new_tat - now)))
local remaining = math.min(points - 1, math.floor((now - allow_at) / interval))
return {1, remaining, 0, math.ceil(new_tat - now)}
`;

/**
 * The same limiter in this process's memory: what a request is judged by while Redis cannot answer. Each
 * instance then limits on its own (a client may get up to one budget per instance). Bounded: at most
 * `maxClients` keys, the idle ones dropped first.
 */
export class LocalGcra {
  private readonly tats = new Map<string, number>();

  constructor(private readonly maxClients = 10_000) {}

  consume(key: string, rule: RateLimitRule, now = Date.now()): RateLimitDecision {
    const step = gcraStep(this.tats.get(key), now, rule);
    this.tats.delete(key); // re-inserted last: the Map's order is then least recently used first
    if (step.tat > now) this.tats.set(key, step.tat);
    if (this.tats.size > this.maxClients) this.prune(now);
    return step.decision;
  }

  /** Clients tracked right now (for tests). */
  get size(): number {
    return this.tats.size;
  }

  private prune(now: number): void {
    for (const [key, tat] of this.tats) if (tat <= now) this.tats.delete(key);
    for (const key of this.tats.keys()) {
      if (this.tats.size <= this.maxClients) break;
      this.tats.delete(key);
    }
  }
}
