import { Metadata } from '@grpc/grpc-js';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { KafkaContext } from '@nestjs/microservices';
import type { ServiceConfig } from '@platform/config';
import { SERVICE_CONFIG } from '../service-kit.constants';
import { AUTH_METADATA, GRPC_READ_METHODS, READ_HTTP_METHODS } from './auth.constants';
import { routeScopes } from './route-scopes';
import { ForbiddenError, UnauthenticatedError } from './auth.errors';
import { TokenVerifier, type VerifiedCaller } from './token-verifier';

/** The parts of an Express or Fastify request the guard reads and writes. */
interface HttpRequestLike {
  method: string;
  url: string;
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
  user?: unknown;
  /** Fastify's Node request: middleware sees this one, so the identity is set on it too. */
  raw?: { user?: unknown };
}

/** `@nestjs/microservices`' own key of a handler's `@GrpcMethod` pattern (`{ service, rpc }`). */
const PATTERN_METADATA = 'microservices:pattern';

const pascalCase = (name: string): string => `${name.charAt(0).toUpperCase()}${name.slice(1)}`;

/** The token of an `Authorization: Bearer <token>` value, or `undefined`. */
export function bearerToken(value: unknown): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(text);
  return match?.[1];
}

/** The caller verified for a request (HTTP request or gRPC metadata object), for later guards. */
const VERIFIED = new WeakMap<object, VerifiedCaller>();

/**
 * The caller the {@link AuthGuard} verified for this HTTP request or gRPC call's metadata; `undefined` when
 * auth is off or the route is open. Unlike `request.user`, never something an app's middleware set.
 */
export function verifiedCallerOf(carrier: unknown): VerifiedCaller | undefined {
  return typeof carrier === 'object' && carrier !== null ? VERIFIED.get(carrier) : undefined;
}

/**
 * Checks every REST and gRPC call (registered globally by the service kit) when `AUTH_MODE=jwt`: the bearer
 * token (`Authorization` header, or gRPC `authorization` metadata) must verify, and carry the route's scopes:
 * `@RequireScopes(...)` if given, `<service>:admin` on `@AdminRoute()`, else `<service>:read` for GET/HEAD
 * (and gRPC methods the service declares as reads) and `<service>:write` for everything else. `@Public()`
 * routes and `AUTH_OPEN_PATHS` (health, metrics) need nothing. The verified caller becomes `request.user`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly verifier: TokenVerifier | null;
  private readonly readMethods: ReadonlySet<string>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly reflector: Reflector,
    @Inject(GRPC_READ_METHODS) readMethods: readonly string[],
  ) {
    const auth = config.auth;
    this.verifier = auth.mode === 'jwt' ? new TokenVerifier(auth, config.name) : null;
    this.readMethods = new Set(readMethods.map(pascalCase));
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // Auth off: answered without a promise, which Nest would await on every request.
    if (this.verifier === null) return true;
    return this.check(context, this.verifier);
  }

  private async check(context: ExecutionContext, verifier: TokenVerifier): Promise<boolean> {
    const type = context.getType();
    if (type !== 'http' && type !== 'rpc') return true;
    if (type === 'rpc' && context.switchToRpc().getContext() instanceof KafkaContext) return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(AUTH_METADATA.public, targets)) return true;

    let authorization: unknown;
    let request: HttpRequestLike | undefined;
    let carrier: unknown;
    if (type === 'http') {
      request = context.switchToHttp().getRequest<HttpRequestLike>();
      if (this.isOpenPath(request)) return true;
      authorization = request.headers['authorization'];
      carrier = request;
    } else {
      const metadata = context.switchToRpc().getContext<unknown>();
      authorization = metadata instanceof Metadata ? metadata.get('authorization') : undefined;
      carrier = metadata;
    }
    const token = bearerToken(authorization);
    if (token === undefined) {
      const sent = authorization !== undefined && (!Array.isArray(authorization) || authorization.length > 0);
      throw new UnauthenticatedError(
        this.config.name,
        sent ? 'the Authorization header is not a Bearer token' : 'a Bearer token is required',
        sent,
      );
    }
    const caller = await verifier.verify(token);
    const missing = this.requiredScopes(context, request).filter((scope) => !caller.scopes.includes(scope));
    if (missing.length > 0) throw new ForbiddenError(this.config.name, missing);
    if (typeof carrier === 'object' && carrier !== null) VERIFIED.set(carrier, caller);
    if (request !== undefined) {
      request.user = caller;
      if (request.raw !== undefined && request.raw !== request) request.raw.user = caller;
    }
    return true;
  }

  /** The scopes a call must carry (see the class comment and {@link routeScopes}). */
  private requiredScopes(context: ExecutionContext, request: HttpRequestLike | undefined): string[] {
    const read =
      request !== undefined
        ? READ_HTTP_METHODS.has(request.method.toUpperCase())
        : this.readMethods.has(this.grpcMethod(context));
    return routeScopes(this.config.name, [context.getHandler(), context.getClass()], read);
  }

  /**
   * The gRPC method a handler serves, PascalCase as in the `.proto` (ts-proto's `@XServiceControllerMethods()`
   * registers lowerCamel names, `@GrpcMethod('X', 'GetY')` PascalCase ones).
   */
  private grpcMethod(context: ExecutionContext): string {
    const handler = context.getHandler();
    const patterns = Reflect.getMetadata(PATTERN_METADATA, handler) as { rpc?: unknown }[] | undefined;
    const rpc = patterns?.find((pattern) => typeof pattern?.rpc === 'string')?.rpc;
    return pascalCase(typeof rpc === 'string' ? rpc : handler.name);
  }

  private isOpenPath(request: HttpRequestLike): boolean {
    const path = (request.originalUrl ?? request.url).split('?')[0];
    return this.config.auth.openPaths.some(
      (open) => path === open || path.startsWith(open.endsWith('/') ? open : `${open}/`),
    );
  }
}
