import { Reflector } from '@nestjs/core';
import { AUTH_METADATA } from './auth.constants';

/** Nest's own metadata reader (`getAllAndOverride`: the handler's mark, else its class's), usable outside DI. */
const reflector = new Reflector();
const mark = <T>(key: string, targets: readonly object[]): T | undefined =>
  reflector.getAllAndOverride<T | undefined>(key, targets as (() => void)[]);

/** Whether `@Public()` marks the handler or its class. */
export const isPublicRoute = (targets: readonly object[]): boolean =>
  mark<boolean>(AUTH_METADATA.public, targets) === true;

/**
 * The scopes a call of the handler must carry: `@RequireScopes(...)` if given, `<service>:admin` on
 * `@AdminRoute()`, else `<service>:read` for a read (GET/HEAD/OPTIONS, or a gRPC method the service declares
 * a read) and `<service>:write` otherwise. The guard enforces exactly this, and the OpenAPI coverage check
 * holds the documented scopes against it.
 */
export function routeScopes(service: string, targets: readonly object[], read: boolean): string[] {
  const explicit = mark<string[]>(AUTH_METADATA.scopes, targets);
  if (explicit !== undefined) return explicit;
  if (mark<boolean>(AUTH_METADATA.admin, targets)) return [`${service}:admin`];
  return [read ? `${service}:read` : `${service}:write`];
}
