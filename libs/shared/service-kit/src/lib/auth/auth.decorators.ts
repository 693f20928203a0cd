import { SetMetadata } from '@nestjs/common';
import { AUTH_METADATA } from './auth.constants';

/** Lets a route (or a whole controller, or a gRPC method) be called without a token. */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(AUTH_METADATA.public, true);

/**
 * The scopes a caller's token must all carry for this route (or controller, or gRPC method), instead of
 * the default `<service>:read` / `<service>:write`. `@RequireScopes()` with none: any valid token.
 */
export const RequireScopes = (...scopes: string[]): ClassDecorator & MethodDecorator =>
  SetMetadata(AUTH_METADATA.scopes, scopes);

/** Marks an administrative route (or controller, or gRPC method): it needs `<service>:admin`. */
export const AdminRoute = (): ClassDecorator & MethodDecorator => SetMetadata(AUTH_METADATA.admin, true);
