import { z } from 'zod';
import { boolVar, positiveIntVar } from './env';

/** Default body limit: Express's `json()` default, kept on Fastify. */
export const DEFAULT_HTTP_BODY_LIMIT_BYTES = 100 * 1024;

/** Default gRPC message limit each way: grpc-js's own receive default (4 MiB). */
export const DEFAULT_GRPC_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * How many hops of `X-Forwarded-For` to believe (`HTTP_TRUST_PROXY`): `false` (default) none, the socket's
 * address is the client; `true` every hop, the left-most address is the client; a number N, the N proxies
 * closest to the service are ours, so the N-th address from the right is the client.
 */
export type TrustProxy = boolean | number;

/**
 * What a service accepts per client and per request (`RATE_LIMIT_*`, `HTTP_*`, `GRPC_MAX_*`): the per-client
 * rate limit (on by default in production only), the largest request body, and gRPC message sizes.
 */
export interface LimitsConfig {
  rateLimit: {
    /** `RATE_LIMIT_ENABLED`; default on when `NODE_ENV=production`, off otherwise. */
    enabled: boolean;
    /** Requests a client may make per window (`RATE_LIMIT_POINTS`, default 600). */
    points: number;
    /** The window, seconds (`RATE_LIMIT_WINDOW_S`, default 60). */
    windowSeconds: number;
    /**
     * Longest wait for Redis's decision before the request is judged in process memory instead, ms
     * (`RATE_LIMIT_REDIS_TIMEOUT_MS`, default 50).
     */
    redisTimeoutMs: number;
  };
  /** Which `X-Forwarded-For` hops name the client (`HTTP_TRUST_PROXY`, default `false`). */
  trustProxy: TrustProxy;
  /** Largest REST request body, bytes (`HTTP_BODY_LIMIT_BYTES`, default 100 KiB): 413 past it. */
  httpBodyLimitBytes: number;
  /** Largest gRPC message received, bytes (`GRPC_MAX_RECEIVE_MESSAGE_BYTES`, default 4 MiB). */
  grpcMaxReceiveMessageBytes: number;
  /** Largest gRPC message sent, bytes (`GRPC_MAX_SEND_MESSAGE_BYTES`, default 4 MiB). */
  grpcMaxSendMessageBytes: number;
}

const trustProxyVar = () =>
  z
    .string()
    .trim()
    .regex(/^(true|false|\d+)$/i, 'must be true, false or a number of trusted proxy hops')
    .transform((value): TrustProxy => {
      const lower = value.toLowerCase();
      if (lower === 'true' || lower === 'false') return lower === 'true';
      const hops = Number(value);
      return hops === 0 ? false : hops;
    });

/** The zod shape of the limits variables, for the service config schema's `.extend(...)`. */
export const limitsVars = {
  RATE_LIMIT_ENABLED: boolVar().optional(),
  RATE_LIMIT_POINTS: positiveIntVar().default(600),
  RATE_LIMIT_WINDOW_S: positiveIntVar().max(86_400, 'must be <= 86400').default(60),
  RATE_LIMIT_REDIS_TIMEOUT_MS: positiveIntVar().max(60_000, 'must be <= 60000').default(50),
  HTTP_TRUST_PROXY: trustProxyVar().default(false),
  HTTP_BODY_LIMIT_BYTES: positiveIntVar().default(DEFAULT_HTTP_BODY_LIMIT_BYTES),
  GRPC_MAX_RECEIVE_MESSAGE_BYTES: positiveIntVar().default(DEFAULT_GRPC_MAX_MESSAGE_BYTES),
  GRPC_MAX_SEND_MESSAGE_BYTES: positiveIntVar().default(DEFAULT_GRPC_MAX_MESSAGE_BYTES),
};

/** The parsed limits variables and `NODE_ENV`, which decides whether rate limiting is on by default. */
export interface LimitsVars {
  NODE_ENV: string;
  RATE_LIMIT_ENABLED?: boolean;
  RATE_LIMIT_POINTS: number;
  RATE_LIMIT_WINDOW_S: number;
  RATE_LIMIT_REDIS_TIMEOUT_MS: number;
  HTTP_TRUST_PROXY: TrustProxy;
  HTTP_BODY_LIMIT_BYTES: number;
  GRPC_MAX_RECEIVE_MESSAGE_BYTES: number;
  GRPC_MAX_SEND_MESSAGE_BYTES: number;
}

/** The typed {@link LimitsConfig} of validated variables. */
export function toLimitsConfig(vars: LimitsVars): LimitsConfig {
  return {
    rateLimit: {
      enabled: vars.RATE_LIMIT_ENABLED ?? vars.NODE_ENV === 'production',
      points: vars.RATE_LIMIT_POINTS,
      windowSeconds: vars.RATE_LIMIT_WINDOW_S,
      redisTimeoutMs: vars.RATE_LIMIT_REDIS_TIMEOUT_MS,
    },
    trustProxy: vars.HTTP_TRUST_PROXY,
    httpBodyLimitBytes: vars.HTTP_BODY_LIMIT_BYTES,
    grpcMaxReceiveMessageBytes: vars.GRPC_MAX_RECEIVE_MESSAGE_BYTES,
    grpcMaxSendMessageBytes: vars.GRPC_MAX_SEND_MESSAGE_BYTES,
  };
}
