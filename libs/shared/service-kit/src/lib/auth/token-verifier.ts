import type { AuthConfig } from '@platform/config';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { readFileSync } from 'node:fs';
import { UnauthenticatedError } from './auth.errors';

/** Who a verified token says the caller is. Set as `request.user`, so the HTTP cache keys by `sub`. */
export interface VerifiedCaller {
  /** The token's subject: a user, or `service:<name>` for a peer service. */
  readonly sub: string;
  /** Scopes from the `scope` (space-separated) or `scp` claim. */
  readonly scopes: readonly string[];
  /** Expiry, epoch seconds. */
  readonly exp: number;
  /** Every claim, for handlers that need more. */
  readonly claims: Readonly<JWTPayload>;
}

type JwtConfig = Extract<AuthConfig, { mode: 'jwt' }>;

/** Asymmetric algorithms accepted from a JWKS (never `none`, never HMAC with a public key). */
const JWKS_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];

/** The scopes a token grants, from `scope` or `scp`. */
export function scopesOf(claims: JWTPayload): string[] {
  const raw = claims['scope'] ?? claims['scp'];
  if (typeof raw === 'string') return raw.split(' ').filter((s) => s !== '');
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  return [];
}

/**
 * Verifies bearer tokens with `jose`: signature (HS256 secret, or a JWKS file or URL), `iss`, `aud`, `exp`
 * and `nbf` within the configured clock skew, and a `sub`. A JWKS file is re-read (at most every 10 s) when
 * a token names a key it does not hold, so keys rotate without a restart.
 */
export class TokenVerifier {
  private getKey: JWTVerifyGetKey | Uint8Array;
  private readonly algorithms: string[];
  private fileReadAt = 0;

  constructor(
    private readonly config: JwtConfig,
    private readonly realm: string,
  ) {
    const verify = config.verify;
    if (verify.kind === 'secret') {
      this.getKey = new TextEncoder().encode(verify.secret);
      this.algorithms = ['HS256'];
    } else if (verify.kind === 'jwks-file') {
      this.getKey = this.readJwksFile(verify.path);
      this.algorithms = JWKS_ALGORITHMS;
    } else {
      this.getKey = createRemoteJWKSet(new URL(verify.url), {
        timeoutDuration: 2000,
        cooldownDuration: 30_000,
      });
      this.algorithms = JWKS_ALGORITHMS;
    }
  }

  /** The caller a token proves, or an {@link UnauthenticatedError} that says why it does not. */
  async verify(token: string): Promise<VerifiedCaller> {
    try {
      return await this.verifyOnce(token);
    } catch (error) {
      if (
        error instanceof joseErrors.JWKSNoMatchingKey &&
        this.config.verify.kind === 'jwks-file' &&
        Date.now() - this.fileReadAt > 10_000
      ) {
        this.getKey = this.readJwksFile(this.config.verify.path);
        return this.verifyOnce(token).catch((again: unknown) => {
          throw this.rejection(again);
        });
      }
      throw this.rejection(error);
    }
  }

  private async verifyOnce(token: string): Promise<VerifiedCaller> {
    const options = {
      issuer: this.config.issuer,
      audience: this.config.audience,
      clockTolerance: this.config.clockSkewSeconds,
      algorithms: this.algorithms,
      requiredClaims: ['exp', 'sub'],
    };
    const { payload } =
      this.getKey instanceof Uint8Array
        ? await jwtVerify(token, this.getKey, options)
        : await jwtVerify(token, this.getKey, options);
    return {
      sub: payload.sub as string,
      scopes: scopesOf(payload),
      exp: payload.exp as number,
      claims: payload,
    };
  }

  private readJwksFile(path: string): JWTVerifyGetKey {
    this.fileReadAt = Date.now();
    return createLocalJWKSet(JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet);
  }

  /** A jose failure as the 401 a caller sees (the reason is safe to show: it names no key material). */
  private rejection(error: unknown): UnauthenticatedError {
    if (error instanceof UnauthenticatedError) return error;
    let reason = 'the token could not be verified';
    if (error instanceof joseErrors.JWTExpired) reason = 'the token has expired';
    else if (error instanceof joseErrors.JWTClaimValidationFailed) {
      reason =
        error.claim === 'aud'
          ? 'the token is not meant for this audience'
          : error.claim === 'iss'
            ? 'the token was issued by an unknown issuer'
            : error.claim === 'nbf'
              ? 'the token is not valid yet'
              : `the token's ${error.claim} claim is invalid`;
    } else if (error instanceof joseErrors.JWSSignatureVerificationFailed)
      reason = 'the token signature is invalid';
    else if (error instanceof joseErrors.JOSEAlgNotAllowed) reason = 'the token algorithm is not accepted';
    else if (error instanceof joseErrors.JWKSNoMatchingKey) reason = 'the token was signed by an unknown key';
    else if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) {
      reason = 'the token is malformed';
    }
    return new UnauthenticatedError(this.realm, reason, true, error);
  }
}
