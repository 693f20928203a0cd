import type { ServiceConfig } from '@platform/config';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
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
      base: { service: config.name },
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      // Credentials and phone numbers never reach a line: see redactFields.
      formatters: { level: (label: string) => ({ level: label }), log: redactLogObject },
      // Path only: query strings can carry personal data (e.g. a phone number being checked against DNC),
      // and headers carry credentials. Neither belongs in logs.
      serializers: {
        req: (req: { id?: unknown; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          path: loggablePath(req.url ?? ''),
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        // pino's own error serializer keeps an error's own fields (an HTTP client's `config.headers`, say).
        err: (error: unknown) => redactFields(pino.stdSerializers.err(error as Error)),
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

const SENSITIVE = new Set<string>(SENSITIVE_FIELDS);

/** How deep a field name is looked for: the top of a line (1) and two objects down (3). */
const REDACT_DEPTH = 3;

/**
 * `value` with every {@link SENSITIVE_FIELDS} key at `depth`..{@link REDACT_DEPTH} replaced by {@link REDACTED}
 * (`{ headers: { authorization } }`, `{ sasl: { password } }`, `{ call: { phoneNumber } }`), so a log call that
 * passes a request, a config or a client's options along never writes the secret itself. Copies only the
 * objects on the way to a redacted field; the caller's objects are never changed, and an object with nothing
 * to redact is returned as it is.
 *
 * This replaces pino's `redact` with wildcard paths, which cloned the value it looked at on every call and,
 * because pino-http builds a child logger with the request as a binding for every request, cost about 20 µs
 * per request (more than answering a cached GET) even when nothing was logged.
 */
export function redactFields(value: unknown, depth = 1, skip?: ReadonlySet<string>): unknown {
  if (depth > REDACT_DEPTH || typeof value !== 'object' || value === null) return value;
  let copy: Record<string, unknown> | unknown[] | undefined;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    if (skip?.has(key)) continue;
    const item = source[key];
    const next = SENSITIVE.has(key) && item !== undefined ? REDACTED : redactFields(item, depth + 1);
    if (next === item) continue;
    copy ??= Array.isArray(value) ? [...value] : { ...source };
    (copy as Record<string, unknown>)[key] = next;
  }
  return copy ?? value;
}

/** Keys whose serializer (below) redacts what it produces: the raw values are not walked. */
const SERIALIZED_KEYS = new Set(['req', 'res', 'err']);

/** pino's `formatters.log`: {@link redactFields} over every key a serializer does not handle. */
export const redactLogObject = (object: Record<string, unknown>): Record<string, unknown> =>
  redactFields(object, 1, SERIALIZED_KEYS) as Record<string, unknown>;

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
