/** Values of `AUTH_MODE`: `jwt` checks bearer tokens on every REST and gRPC call; `off` lets anyone in. */
export const AUTH_MODES = ['off', 'jwt'] as const;

/** Shortest HS256 secret accepted: 32 bytes, the hash's own size (RFC 7518 §3.2). */
export const MIN_AUTH_SECRET_LENGTH = 32;

/**
 * How a service checks who calls it (`AUTH_*`), and how it proves who it is when it calls a peer
 * (`AUTH_CLIENT_*`). Off by default outside production; production refuses to start unless tokens can be
 * verified, or `AUTH_MODE=off` says explicitly that nobody is checked.
 */
export type AuthConfig =
  | { mode: 'off'; openPaths: string[] }
  | {
      mode: 'jwt';
      /** Where verification keys come from: an HS256 secret, or a JWKS (a file or a URL). */
      verify:
        | { kind: 'secret'; secret: string }
        | { kind: 'jwks-file'; path: string }
        | { kind: 'jwks-url'; url: string };
      /** The `iss` every token must carry (`AUTH_ISSUER`). */
      issuer: string;
      /** Accepted `aud` values (`AUTH_AUDIENCE`, comma-separated; default `platform`). */
      audience: string[];
      /** Clock skew tolerated on `exp`/`nbf`/`iat`, seconds (`AUTH_CLOCK_SKEW_S`, default 30, at most 300). */
      clockSkewSeconds: number;
      /** Path prefixes answered without a token (`AUTH_OPEN_PATHS`, default `/health,/metrics`). */
      openPaths: string[];
      /**
       * The service's own credentials for calls to its peers: a token read from a file (re-read before it
       * expires; `AUTH_CLIENT_TOKEN_FILE`), or tokens it signs itself with an HS256 secret
       * (`AUTH_CLIENT_SECRET`, default `AUTH_JWT_SECRET`) for `AUTH_CLIENT_SCOPES` (default `<peer>:read` of
       * each peer), `AUTH_CLIENT_TTL_S` long (default 300). `null`: the service calls no peer.
       * A self-signed token verifies only at peers that check the same HS256 secret; where peers use a JWKS,
       * mount a token from the identity provider (`AUTH_CLIENT_TOKEN_FILE`).
       */
      client:
        | { kind: 'token-file'; path: string }
        | { kind: 'secret'; secret: string; scopes: string[]; ttlSeconds: number }
        | null;
    };

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(/[\s,]+/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');

/** The parsed `AUTH_*` variables (declared in service-config.ts's schema) and `NODE_ENV`, which decides the default mode. */
export interface AuthVars {
  NODE_ENV: string;
  AUTH_MODE?: (typeof AUTH_MODES)[number];
  AUTH_JWT_SECRET?: string;
  AUTH_JWKS_FILE?: string;
  AUTH_JWKS_URL?: string;
  AUTH_ISSUER?: string;
  AUTH_AUDIENCE?: string;
  AUTH_CLOCK_SKEW_S: number;
  AUTH_OPEN_PATHS?: string;
  AUTH_CLIENT_TOKEN_FILE?: string;
  AUTH_CLIENT_SECRET?: string;
  AUTH_CLIENT_SCOPES?: string;
  AUTH_CLIENT_TTL_S: number;
}

/** One problem with the `AUTH_*` variables taken together, for the schema's `superRefine`. */
export interface AuthIssue {
  variable: string;
  message: string;
}

/** What is wrong with the `AUTH_*` variables as a whole (each alone already passed its own check). */
export function authIssues(vars: AuthVars, peers: readonly string[]): AuthIssue[] {
  const mode = vars.AUTH_MODE ?? (vars.NODE_ENV === 'production' ? 'jwt' : 'off');
  if (mode === 'off') return [];
  const issues: AuthIssue[] = [];
  const why = vars.AUTH_MODE === undefined ? ' (production requires auth unless AUTH_MODE=off)' : '';
  const sources = [vars.AUTH_JWT_SECRET, vars.AUTH_JWKS_FILE, vars.AUTH_JWKS_URL].filter(
    (v) => v !== undefined,
  );
  if (sources.length === 0) {
    issues.push({
      variable: 'AUTH_JWT_SECRET',
      message: `is required: set AUTH_JWT_SECRET, AUTH_JWKS_FILE or AUTH_JWKS_URL${why}`,
    });
  } else if (sources.length > 1) {
    issues.push({
      variable: 'AUTH_JWT_SECRET',
      message: 'set only one of AUTH_JWT_SECRET, AUTH_JWKS_FILE and AUTH_JWKS_URL',
    });
  }
  if (vars.AUTH_ISSUER === undefined) {
    issues.push({ variable: 'AUTH_ISSUER', message: `is required when tokens are checked${why}` });
  }
  if (peers.length > 0 && vars.AUTH_CLIENT_TOKEN_FILE === undefined) {
    if ((vars.AUTH_CLIENT_SECRET ?? vars.AUTH_JWT_SECRET) === undefined) {
      issues.push({
        variable: 'AUTH_CLIENT_SECRET',
        message: `is required: this service calls ${peers.join(', ')}; set AUTH_CLIENT_SECRET or AUTH_CLIENT_TOKEN_FILE`,
      });
    }
  }
  if (vars.AUTH_CLIENT_TOKEN_FILE !== undefined && vars.AUTH_CLIENT_SECRET !== undefined) {
    issues.push({
      variable: 'AUTH_CLIENT_SECRET',
      message: 'set only one of AUTH_CLIENT_SECRET and AUTH_CLIENT_TOKEN_FILE',
    });
  }
  return issues;
}

/** The auth settings of a service whose `AUTH_*` variables passed {@link authIssues}. */
export function toAuthConfig(vars: AuthVars, peers: readonly string[]): AuthConfig {
  const mode = vars.AUTH_MODE ?? (vars.NODE_ENV === 'production' ? 'jwt' : 'off');
  const openPaths = vars.AUTH_OPEN_PATHS === undefined ? ['/health', '/metrics'] : list(vars.AUTH_OPEN_PATHS);
  if (mode === 'off') return { mode, openPaths };
  const verify =
    vars.AUTH_JWT_SECRET !== undefined
      ? ({ kind: 'secret', secret: vars.AUTH_JWT_SECRET } as const)
      : vars.AUTH_JWKS_FILE !== undefined
        ? ({ kind: 'jwks-file', path: vars.AUTH_JWKS_FILE } as const)
        : ({ kind: 'jwks-url', url: vars.AUTH_JWKS_URL as string } as const);
  const clientSecret = vars.AUTH_CLIENT_SECRET ?? vars.AUTH_JWT_SECRET;
  const client =
    vars.AUTH_CLIENT_TOKEN_FILE !== undefined
      ? ({ kind: 'token-file', path: vars.AUTH_CLIENT_TOKEN_FILE } as const)
      : clientSecret !== undefined
        ? ({
            kind: 'secret',
            secret: clientSecret,
            scopes:
              vars.AUTH_CLIENT_SCOPES === undefined
                ? peers.map((peer) => `${peer}:read`)
                : list(vars.AUTH_CLIENT_SCOPES),
            ttlSeconds: vars.AUTH_CLIENT_TTL_S,
          } as const)
        : null;
  return {
    mode,
    verify,
    issuer: vars.AUTH_ISSUER as string,
    audience: vars.AUTH_AUDIENCE === undefined ? ['platform'] : list(vars.AUTH_AUDIENCE),
    clockSkewSeconds: vars.AUTH_CLOCK_SKEW_S,
    openPaths,
    client,
  };
}
