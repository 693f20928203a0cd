import { DomainError } from '../errors/domain.error';

/**
 * No token, or one that does not verify (bad signature, expired, wrong issuer or audience): 401 with
 * `WWW-Authenticate: Bearer` over HTTP, `UNAUTHENTICATED` over gRPC. Code: `E_UNAUTHENTICATED`.
 */
export class UnauthenticatedError extends DomainError {
  readonly kind = 'unauthenticated' as const;
  readonly code = 'E_UNAUTHENTICATED';
  override readonly httpHeaders: Readonly<Record<string, string>>;

  constructor(
    realm: string,
    reason: string,
    /** Whether a token was sent (RFC 6750: then the challenge says `invalid_token`). */
    tokenSent: boolean,
    cause?: unknown,
  ) {
    super(reason, { cause });
    this.httpHeaders = {
      'WWW-Authenticate': tokenSent
        ? `Bearer realm="${realm}", error="invalid_token", error_description="${reason.replace(/"/g, "'")}"`
        : `Bearer realm="${realm}"`,
    };
  }
}

/**
 * A valid token without the scopes the route needs: 403 (`WWW-Authenticate: Bearer error="insufficient_scope"`)
 * over HTTP, `PERMISSION_DENIED` over gRPC. Code: `E_FORBIDDEN`.
 */
export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden' as const;
  readonly code = 'E_FORBIDDEN';
  override readonly httpHeaders: Readonly<Record<string, string>>;

  constructor(
    realm: string,
    readonly missingScopes: readonly string[],
  ) {
    super(`the token lacks the scope ${missingScopes.join(' ')}`);
    this.httpHeaders = {
      'WWW-Authenticate': `Bearer realm="${realm}", error="insufficient_scope", scope="${missingScopes.join(' ')}"`,
    };
  }
}
