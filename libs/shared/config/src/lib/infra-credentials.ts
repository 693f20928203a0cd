import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ConfigIssue } from './config-validation.error';
import { boolVar } from './env';

/** Values of `DATABASE_SSL_MODE`, as libpq's `sslmode` (without the opportunistic `allow`/`prefer`). */
export const DATABASE_SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;

/** One of {@link DATABASE_SSL_MODES}. */
export type DatabaseSslMode = (typeof DATABASE_SSL_MODES)[number];

/** A PEM file named by a `*_FILE` variable, read at boot. */
export interface PemFile {
  /** Where it was read from (safe to log: a path, not the key). */
  readonly path: string;
  readonly pem: Buffer;
}

/** Who the service is to Redis (`REDIS_USERNAME` / `REDIS_PASSWORD`, or the user info of `REDIS_URL`). */
export interface RedisAuth {
  /** ACL user; absent: the `default` user (`AUTH <password>`). */
  readonly username?: string;
  readonly password: string;
}

/** TLS to Redis (`REDIS_TLS=true` or a `rediss://` URL); every field optional, as Node's `tls.connect`. */
export interface RedisTls {
  /** CA bundle the server's certificate must chain to (`REDIS_TLS_CA_FILE`); absent: Node's trusted CAs. */
  readonly ca?: PemFile;
  /** Client certificate and key, when the server asks for one (`tls-auth-clients`). */
  readonly cert?: PemFile;
  readonly key?: PemFile;
  /** Name the server's certificate must carry when it differs from the host connected to (`REDIS_TLS_SERVERNAME`). */
  readonly servername?: string;
}

/** How the service talks to Redis besides where: credentials and TLS, used for standalone and Cluster alike. */
export interface RedisCredentials {
  /** `REDIS_URL` without user info and with the `redis:` scheme: credentials and TLS travel in `auth`/`tls`. */
  readonly url: string;
  readonly auth: RedisAuth | null;
  readonly tls: RedisTls | null;
}

/** TLS to Postgres (`DATABASE_SSL_*`), as libpq's `sslmode`. */
export interface DatabaseSsl {
  /**
   * `disable`: plain text; `require`: encrypted, the server's certificate is not checked; `verify-ca`: it must
   * chain to `ca`; `verify-full`: and carry the host name connected to.
   */
  readonly mode: DatabaseSslMode;
  readonly ca?: PemFile;
  readonly cert?: PemFile;
  readonly key?: PemFile;
}

/** The Postgres connection: `DATABASE_URL` with `DATABASE_PASSWORD` in it and its `ssl*` parameters moved to `ssl`. */
export interface DatabaseCredentials {
  readonly url: string;
  readonly ssl: DatabaseSsl;
}

/** An optional string where an empty value (as templates render an unset one) means unset. */
const optionalVar = () =>
  z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value));

/** The path of a PEM file, read (and checked to hold PEM) while the environment is validated. */
const pemFileVar = () =>
  optionalVar().transform((path, ctx): PemFile | undefined => {
    if (path === undefined) return undefined;
    let pem: Buffer;
    try {
      pem = readFileSync(path);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}): ${path}`,
      });
      return z.NEVER;
    }
    if (!pem.includes('-----BEGIN ')) {
      ctx.addIssue({ code: 'custom', message: `does not hold PEM data: ${path}` });
      return z.NEVER;
    }
    return { path, pem };
  });

/**
 * The credential variables of Redis and Postgres, for the service schema's `.extend(...)`. Passwords may come
 * from mounted files (`REDIS_PASSWORD_FILE`, `DATABASE_PASSWORD_FILE`: see `resolveSecretFiles`); certificates
 * and keys always do (`*_FILE`, read at boot, so an unreadable one stops the service before it starts).
 */
export const infraCredentialVars = {
  REDIS_USERNAME: optionalVar(),
  REDIS_PASSWORD: optionalVar(),
  REDIS_TLS: optionalVar().pipe(boolVar().optional()),
  REDIS_TLS_CA_FILE: pemFileVar(),
  REDIS_TLS_CERT_FILE: pemFileVar(),
  REDIS_TLS_KEY_FILE: pemFileVar(),
  REDIS_TLS_SERVERNAME: optionalVar(),
  DATABASE_PASSWORD: optionalVar(),
  DATABASE_SSL_MODE: optionalVar().pipe(
    z.enum(DATABASE_SSL_MODES, { message: `must be one of ${DATABASE_SSL_MODES.join(', ')}` }).optional(),
  ),
  DATABASE_SSL_CA_FILE: pemFileVar(),
  DATABASE_SSL_CERT_FILE: pemFileVar(),
  DATABASE_SSL_KEY_FILE: pemFileVar(),
};

/** The parsed {@link infraCredentialVars} with the URLs they complete. */
export type InfraCredentialVars = z.output<z.ZodObject<typeof infraCredentialVars>> & {
  REDIS_URL: string;
  DATABASE_URL: string;
};

/** `sslmode`-like parameters of a Postgres URL: pg would let them override the `ssl` we pass. */
const PG_SSL_PARAMS = ['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslcrl', 'uselibpqcompat'];

const pairIssues = (cert: string, key: string, vars: Record<string, unknown>): ConfigIssue[] =>
  vars[cert] !== undefined && vars[key] === undefined
    ? [{ variable: key, message: `is required when ${cert} is set (a client certificate needs its key)` }]
    : vars[key] !== undefined && vars[cert] === undefined
      ? [{ variable: cert, message: `is required when ${key} is set (a client key needs its certificate)` }]
      : [];

/** What is wrong with the Redis and Postgres credential variables taken together (each alone passed). */
export function infraCredentialIssues(vars: InfraCredentialVars): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  // Each URL passed its own check when this runs (zod refines only valid objects); guard anyway.
  const redisUrl = URL.canParse(vars.REDIS_URL) ? new URL(vars.REDIS_URL) : new URL('redis://invalid');
  if (vars.REDIS_TLS === false && redisUrl.protocol === 'rediss:') {
    issues.push({ variable: 'REDIS_TLS', message: 'is false but REDIS_URL is rediss:// (TLS); drop one' });
  }
  const redisTls = vars.REDIS_TLS ?? redisUrl.protocol === 'rediss:';
  if (!redisTls) {
    for (const name of [
      'REDIS_TLS_CA_FILE',
      'REDIS_TLS_CERT_FILE',
      'REDIS_TLS_KEY_FILE',
      'REDIS_TLS_SERVERNAME',
    ] as const) {
      if (vars[name] !== undefined)
        issues.push({
          variable: name,
          message: 'is set but TLS is off: set REDIS_TLS=true or use rediss://',
        });
    }
  }
  issues.push(...pairIssues('REDIS_TLS_CERT_FILE', 'REDIS_TLS_KEY_FILE', vars));
  const username = vars.REDIS_USERNAME ?? (redisUrl.username === '' ? undefined : redisUrl.username);
  if (username !== undefined && vars.REDIS_PASSWORD === undefined && redisUrl.password === '') {
    issues.push({
      variable: 'REDIS_PASSWORD',
      message: 'is required when REDIS_USERNAME is set (an ACL user logs in with a password)',
    });
  }

  const dbUrl = URL.canParse(vars.DATABASE_URL) ? new URL(vars.DATABASE_URL) : new URL('postgres://invalid');
  const urlMode = dbUrl.searchParams.get('sslmode');
  if (urlMode !== null && !(DATABASE_SSL_MODES as readonly string[]).includes(urlMode)) {
    issues.push({
      variable: 'DATABASE_URL',
      message: `has sslmode=${urlMode}; use DATABASE_SSL_MODE (${DATABASE_SSL_MODES.join(', ')})`,
    });
  } else if (urlMode !== null && vars.DATABASE_SSL_MODE !== undefined && urlMode !== vars.DATABASE_SSL_MODE) {
    issues.push({
      variable: 'DATABASE_SSL_MODE',
      message: `is ${vars.DATABASE_SSL_MODE} but DATABASE_URL says sslmode=${urlMode}; drop one`,
    });
  }
  const mode = vars.DATABASE_SSL_MODE ?? urlMode ?? 'disable';
  const files = ['DATABASE_SSL_CA_FILE', 'DATABASE_SSL_CERT_FILE', 'DATABASE_SSL_KEY_FILE'] as const;
  if (mode === 'disable') {
    for (const name of files) {
      if (vars[name] !== undefined)
        issues.push({
          variable: name,
          message: 'is set but DATABASE_SSL_MODE is disable: set require, verify-ca or verify-full',
        });
    }
  } else if (mode === 'require' && vars.DATABASE_SSL_CA_FILE !== undefined) {
    issues.push({
      variable: 'DATABASE_SSL_CA_FILE',
      message: 'is set but DATABASE_SSL_MODE=require does not check the server; use verify-ca or verify-full',
    });
  }
  issues.push(...pairIssues('DATABASE_SSL_CERT_FILE', 'DATABASE_SSL_KEY_FILE', vars));
  return issues;
}

const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** The Redis settings of variables that passed {@link infraCredentialIssues}. */
export function toRedisCredentials(vars: InfraCredentialVars): RedisCredentials {
  const url = new URL(vars.REDIS_URL);
  const tls = vars.REDIS_TLS ?? url.protocol === 'rediss:';
  const urlUser = url.username === '' ? undefined : decodeURIComponent(url.username);
  const urlPassword = url.password === '' ? undefined : decodeURIComponent(url.password);
  const password = vars.REDIS_PASSWORD ?? urlPassword;
  const username = vars.REDIS_USERNAME ?? urlUser;
  url.username = '';
  url.password = '';
  const bare = `redis://${url.host}${url.pathname === '/' ? '' : url.pathname}${url.search}`;
  return {
    url: bare,
    auth: password === undefined ? null : defined({ username, password }),
    tls: tls
      ? defined({
          ca: vars.REDIS_TLS_CA_FILE,
          cert: vars.REDIS_TLS_CERT_FILE,
          key: vars.REDIS_TLS_KEY_FILE,
          servername: vars.REDIS_TLS_SERVERNAME,
        })
      : null,
  };
}

/** The Postgres settings of variables that passed {@link infraCredentialIssues}. */
export function toDatabaseCredentials(vars: InfraCredentialVars): DatabaseCredentials {
  const url = new URL(vars.DATABASE_URL);
  const mode = (vars.DATABASE_SSL_MODE ?? url.searchParams.get('sslmode') ?? 'disable') as DatabaseSslMode;
  for (const param of PG_SSL_PARAMS) url.searchParams.delete(param);
  if (vars.DATABASE_PASSWORD !== undefined) url.password = encodeURIComponent(vars.DATABASE_PASSWORD);
  return {
    url: url.toString(),
    ssl: defined({
      mode,
      ca: vars.DATABASE_SSL_CA_FILE,
      cert: vars.DATABASE_SSL_CERT_FILE,
      key: vars.DATABASE_SSL_KEY_FILE,
    }),
  };
}

/**
 * `url` with its password (and any `password`/`token`-like query parameter) replaced by `***`, for logs and
 * error messages: a connection URL must never be logged as it is.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(unparsable URL)';
  }
  if (parsed.password !== '') parsed.password = '***';
  for (const key of [...parsed.searchParams.keys()]) {
    if (/pass|secret|token|key/i.test(key)) parsed.searchParams.set(key, '***');
  }
  return parsed.toString();
}

/** Node's codes for a TLS peer that cannot be trusted or spoken to (see `tls.connect`). */
const TLS_ERROR_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
]);

/**
 * Whether a connection error says the credentials or TLS settings are wrong (a rejected password or ACL user,
 * an untrusted certificate, TLS spoken to a plain-text port, a server refusing plain text), which no retry can
 * fix, as opposed to a server that is down or unreachable. Services fail boot on the first kind, naming the
 * dependency, and wait out the second.
 */
export function isCredentialsError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === 'string' && (TLS_ERROR_CODES.has(code) || code === '28P01' || code === '28000'))
    return true;
  return /^(WRONGPASS|NOAUTH|NOPERM)\b|does not support SSL|no pg_hba\.conf entry|password authentication failed|certificate|SSL routines/i.test(
    error.message,
  );
}
