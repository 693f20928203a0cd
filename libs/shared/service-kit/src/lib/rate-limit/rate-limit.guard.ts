import { Metadata } from '@grpc/grpc-js';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { KafkaContext } from '@nestjs/microservices';
import type { ServiceConfig } from '@platform/config';
import { verifiedCallerOf } from '../auth/auth.guard';
import { SERVICE_CONFIG } from '../service-kit.constants';
import { grpcClientAddress, httpClientAddress, type HttpClientLike } from './client-identity';
import type { RateLimitRule } from './gcra';
import { RATE_LIMIT_METADATA } from './rate-limit.decorator';
import { rateLimitHeaders, RateLimitExceededError } from './rate-limit.error';
import { RATE_LIMIT_METRICS, RATE_LIMITER, type RateLimitMetrics } from './rate-limit.providers';
import type { RateLimiter } from './rate-limiter';

/** Paths never limited: probes, scrapes and the API docs. */
export const RATE_LIMIT_EXEMPT_PATHS: readonly string[] = ['/health', '/metrics', '/docs'];

/** `@nestjs/microservices`' own key of a handler's `@GrpcMethod` pattern (`{ service, rpc }`). */
const PATTERN_METADATA = 'microservices:pattern';

interface HttpRequest extends HttpClientLike {
  method: string;
  url: string;
  originalUrl?: string;
  /** Fastify: the matched route. */
  routeOptions?: { url?: string };
  /** Express: the matched route. */
  route?: { path?: string };
}

const underAny = (path: string, prefixes: readonly string[]): boolean =>
  prefixes.some((prefix) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`));

/**
 * Per-client rate limit on every REST and gRPC call (registered globally after the auth guard, so the client
 * is the verified token subject when auth is on, else the client address; see `HTTP_TRUST_PROXY`). A route's
 * `@RateLimit(...)` replaces the default `RATE_LIMIT_POINTS` per `RATE_LIMIT_WINDOW_S`. Peer services
 * (`service:*` subjects), health, metrics and docs are not limited. Over budget: 429 `RATE_LIMIT.EXCEEDED`
 * with `Retry-After` (gRPC `RESOURCE_EXHAUSTED`, `retry-after` metadata); HTTP answers carry `RateLimit-*`.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly defaultRule: RateLimitRule;
  private readonly exemptPaths: readonly string[];

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter | null,
    @Inject(RATE_LIMIT_METRICS) private readonly metrics: RateLimitMetrics,
  ) {
    const { points, windowSeconds } = config.limits.rateLimit;
    this.defaultRule = { points, perSeconds: windowSeconds };
    this.exemptPaths = [...RATE_LIMIT_EXEMPT_PATHS, ...config.auth.openPaths];
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // Limits off: answered without a promise, which Nest would await on every request.
    if (this.limiter === null) return true;
    return this.check(context, this.limiter);
  }

  private async check(context: ExecutionContext, limiter: RateLimiter): Promise<boolean> {
    const type = context.getType();
    if (type !== 'http' && type !== 'rpc') return true;
    if (type === 'rpc' && context.switchToRpc().getContext() instanceof KafkaContext) return true;
    const own = this.reflector.getAllAndOverride<RateLimitRule | false | undefined>(RATE_LIMIT_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (own === false) return true;

    let carrier: unknown;
    let address: string;
    let route: string;
    let request: HttpRequest | undefined;
    if (type === 'http') {
      request = context.switchToHttp().getRequest<HttpRequest>();
      if (underAny((request.originalUrl ?? request.url).split('?')[0], this.exemptPaths)) return true;
      carrier = request;
      address = httpClientAddress(request, this.config.limits.trustProxy);
      route = `${request.method} ${request.routeOptions?.url ?? request.route?.path ?? context.getHandler().name}`;
    } else {
      carrier = context.switchToRpc().getContext<unknown>();
      if (!(carrier instanceof Metadata)) return true;
      const call = context.getArgByIndex<{ getPeer?: () => string } | undefined>(2);
      address = grpcClientAddress(call?.getPeer?.());
      route = `grpc ${this.grpcMethod(context)}`;
    }
    const caller = verifiedCallerOf(carrier);
    if (caller?.sub.startsWith('service:')) return true;
    const client = caller !== undefined ? `sub:${caller.sub}` : `ip:${address}`;

    const decision = await limiter.consume(client, own ? route : 'default', own || this.defaultRule);
    this.metrics.decisions.inc({
      service: this.config.name,
      route,
      outcome: decision.allowed ? 'allowed' : 'limited',
    });
    if (!decision.allowed) throw new RateLimitExceededError(decision);
    if (request !== undefined) {
      const response = context.switchToHttp().getResponse<unknown>();
      for (const [name, value] of Object.entries(rateLimitHeaders(decision))) {
        this.adapterHost.httpAdapter.setHeader(response, name, value);
      }
    }
    return true;
  }

  private grpcMethod(context: ExecutionContext): string {
    const handler = context.getHandler();
    const patterns = Reflect.getMetadata(PATTERN_METADATA, handler) as
      { service?: string; rpc?: string }[] | undefined;
    const pattern = patterns?.find((p) => typeof p?.rpc === 'string');
    return pattern ? `${pattern.service}/${pattern.rpc}` : `${context.getClass().name}.${handler.name}`;
  }
}
