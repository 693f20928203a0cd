import { SignJWT, type JWTPayload } from 'jose';

/** A development/test HS256 secret (32+ characters, as `AUTH_JWT_SECRET` requires). */
export const TEST_AUTH_SECRET = 'test-only-auth-secret-0123456789abcdef';
/** The issuer tests configure (`AUTH_ISSUER`). */
export const TEST_AUTH_ISSUER = 'platform-test';

/** The `AUTH_*` settings of a service that checks tokens signed with {@link TEST_AUTH_SECRET}. */
export const testAuthEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
  AUTH_MODE: 'jwt',
  AUTH_JWT_SECRET: TEST_AUTH_SECRET,
  AUTH_ISSUER: TEST_AUTH_ISSUER,
  AUTH_AUDIENCE: 'platform',
  ...overrides,
});

/** Options of {@link signTestToken}. */
export interface TestTokenOptions {
  /** Space-separated into the `scope` claim. */
  scopes?: readonly string[];
  sub?: string;
  issuer?: string;
  audience?: string;
  /** Seconds from now until expiry; negative: already expired. Default 300. */
  expiresIn?: number;
  /** HS256 secret. Default {@link TEST_AUTH_SECRET}. */
  secret?: string;
  /** Further claims. */
  claims?: JWTPayload;
}

/** An HS256 token as a real issuer would sign it, for tests of the auth guard. */
export function signTestToken(options: TestTokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: (options.scopes ?? []).join(' '), ...options.claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(options.issuer ?? TEST_AUTH_ISSUER)
    .setAudience(options.audience ?? 'platform')
    .setSubject(options.sub ?? 'test-user')
    .setIssuedAt(now - 5)
    .setExpirationTime(now + (options.expiresIn ?? 300))
    .sign(new TextEncoder().encode(options.secret ?? TEST_AUTH_SECRET));
}

/** `{ authorization: 'Bearer <token>' }` for fetch. */
export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
