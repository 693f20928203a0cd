import type { ServiceConfig } from '@platform/config';
import type { Params } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Structured JSON logs (pino): one line per event with `service`, request id and correlation id.
 * Health probes are not logged (they would drown everything else); requests are logged by path only,
 * never with their query string or headers. A successful read (GET/HEAD under 400: most traffic, and mostly
 * cache hits) is logged at `debug`: at `info` its line cost more than answering it from the cache, and
 * the cache's metrics count such reads; writes and failures stay at `info` / `warn` / `error`.
 */
export function loggerOptions(config: ServiceConfig): Params {
  return {
    pinoHttp: {
      level: config.log.level,
      redact: { paths: [...REDACTED_PATHS], censor: REDACTED },
      base: { service: config.name },
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label: string) => ({ level: label }) },
      // Path only: query strings can carry personal data (e.g. a phone number being checked against DNC),
      // and headers carry credentials. Neither belongs in logs.
      serializers: {
        req: (req: { id?: unknown; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          path: loggablePath(req.url ?? ''),
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
      genReqId: (req: IncomingMessage) => {
        const header = req.headers['x-request-id'];
        return (Array.isArray(header) ? header[0] : header) ?? randomUUID();
      },
      customLogLevel: requestLogLevel,
      autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health') },
    },
  };
}

/** What a redacted value is logged as. */
export const REDACTED = '[redacted]';

/** Field names that hold credentials or personal data, wherever a log call puts them (top level or one or two levels down). */
const SENSITIVE_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'password',
  'passwd',
  'secret',
  'clientSecret',
  'client_secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'apiKey',
  'jwt',
  'phoneNumber',
  'phone',
] as const;

const property = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `["${name}"]`);

/**
 * pino `redact` paths: the {@link SENSITIVE_FIELDS} at the top of a log line and one or two objects deep
 * (`{ headers: { authorization } }`, `{ req: { headers: { cookie } } }`, `{ sasl: { password } }`), so a
 * log call that passes a request, a config or a client's options along never writes the secret itself.
 * Request and response serializers already keep headers out; this is the net under every other call.
 */
export const REDACTED_PATHS: readonly string[] = SENSITIVE_FIELDS.flatMap((field) => [
  property(field).replace(/^\./, ''),
  `*${property(field)}`,
  `*.*${property(field)}`,
]);

/** A path segment that is a phone number in any written form: only `+`, digits, separators; 10 to 15 digits. */
const PHONE_SEGMENT = /^[+\d\s().-]+$/;

const isPhoneNumber = (segment: string): boolean => {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    decoded = segment;
  }
  const digits = decoded.replace(/\D/g, '').length;
  return PHONE_SEGMENT.test(decoded) && digits >= 10 && digits <= 15;
};

/**
 * The path of a request URL as logged: no query string, and a segment that is a phone number (a client
 * sending a raw number where a hash belongs, say) replaced by `:phone`, so no raw number reaches a log.
 */
function loggablePath(url: string): string {
  return url
    .split('?')[0]
    .split('/')
    .map((segment) => (isPhoneNumber(segment) ? ':phone' : segment))
    .join('/');
}

/** The level of a request's log line (see {@link loggerOptions}). */
export function requestLogLevel(
  req: { method?: string },
  res: { statusCode: number },
  error?: unknown,
): 'error' | 'warn' | 'info' | 'debug' {
  if (error !== undefined || res.statusCode >= 500) return 'error';
  if (res.statusCode >= 400) return 'warn';
  return req.method === 'GET' || req.method === 'HEAD' ? 'debug' : 'info';
}
