export { Public, RequireScopes, AdminRoute } from './auth.decorators';
export { UnauthenticatedError, ForbiddenError } from './auth.errors';
export { ServiceCredentials } from './service-credentials';
export { AuthGuard, bearerToken, verifiedCallerOf } from './auth.guard';
export { TokenVerifier, scopesOf, type VerifiedCaller } from './token-verifier';
