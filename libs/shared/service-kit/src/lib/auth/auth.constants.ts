/** Metadata keys of the auth decorators (namespaced, as the cache's are). */
export const AUTH_METADATA = {
  /** `@Public()`: no token needed. */
  public: 'auth:public',
  /** `@RequireScopes(...)`: the scopes a caller needs instead of the method's default. */
  scopes: 'auth:scopes',
  /** `@AdminRoute()`: needs `<service>:admin`. */
  admin: 'auth:admin',
} as const;

/** Injection token of the gRPC methods (PascalCase, as in the `.proto`) that only read: `<service>:read`. */
export const GRPC_READ_METHODS = Symbol('auth:grpcReadMethods');

/** HTTP methods that only read, so need `<service>:read`; any other needs `<service>:write`. */
export const READ_HTTP_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
