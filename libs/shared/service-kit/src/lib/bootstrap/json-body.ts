import { PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Transform, type Readable } from 'node:stream';
import { InvalidJsonBodyError, ValidationFailedError } from '../errors';
import { findInputProblems } from '../pipes/validation.pipe';

/** The one body type the services accept. */
export const JSON_MEDIA_TYPE = 'application/json';

/**
 * The default largest request body, in bytes (Express's `json()` default, kept on Fastify): 413 past it.
 * `HTTP_BODY_LIMIT_BYTES` sets a service's own.
 */
export const JSON_BODY_LIMIT_BYTES = 100 * 1024;

/** Whether a `Content-Type` header names JSON: `application/json` or `application/<x>+json`, any parameters. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === JSON_MEDIA_TYPE || /^application\/[^/\s]+\+json$/.test(type);
}

/** Whether a request carries a body (a chunked one, or a non-zero Content-Length). */
const hasBody = (headers: IncomingHttpHeaders): boolean =>
  headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;

/** The 415 for a body that is not JSON, naming the header at fault and the accepted type. */
const unsupportedType = (type: string | undefined): UnsupportedMediaTypeException => {
  const message = `${type ? `${type} is not supported` : 'is missing'}: send the body as ${JSON_MEDIA_TYPE}`;
  return new UnsupportedMediaTypeException({
    message: `content-type ${message}`,
    fields: [{ field: 'content-type', message }],
  });
};

/** The 413 both adapters answer, naming the body and the limit it went over. */
const tooLarge = (limit: number): PayloadTooLargeException => {
  const message = `is larger than the ${limit} bytes the service accepts`;
  return new PayloadTooLargeException({
    message: `(body) ${message}`,
    fields: [{ field: '(body)', message }],
  });
};

/**
 * Why Fastify's secure parser refused a body, when the reason is a `__proto__` or `constructor.prototype` key
 * (its error does not say which): JSON.parse keeps such keys as plain data (what Express hands the validation
 * pipe), so the text is parsed that way only to name the keys as the pipe does on Express, and the request is
 * refused; the value never reaches a handler. Undefined for text that is not JSON at all.
 */
const reservedKeysError = (text: string): ValidationFailedError | undefined => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const problems = findInputProblems(value);
  return problems.length > 0 ? new ValidationFailedError(problems) : undefined;
};

type Next = (error?: unknown) => void;

/**
 * Request bodies for JSON APIs on Express, replacing Nest's default parsers (create the app with
 * `bodyParser: false`): a body of any other type is refused with 415 naming the accepted type (form bodies
 * are not parsed into DTOs), a body that is not JSON is an {@link InvalidJsonBodyError} (400) that says it
 * is the body, one over `limit` bytes a 413. Nesting depth and NUL characters are checked by
 * the validation pipe, for gRPC too.
 */
export function acceptJsonBodiesOnExpress(app: NestExpressApplication, limit = JSON_BODY_LIMIT_BYTES): void {
  app.use((req: IncomingMessage, _res: unknown, next: Next) => {
    if (!hasBody(req.headers) || isJsonMediaType(req.headers['content-type'])) return next();
    next(unsupportedType(req.headers['content-type']));
  });
  app.useBodyParser('json', {
    type: (req: IncomingMessage) => isJsonMediaType(req.headers['content-type']),
    limit,
  });
  // Four parameters: Express hands this the parser's errors (and only errors).
  app.use((error: unknown, _req: IncomingMessage, _res: unknown, next: Next) => {
    const failure = error as { type?: unknown } | null;
    if (failure?.type === 'entity.parse.failed') return next(new InvalidJsonBodyError(error as Error));
    next(failure?.type === 'entity.too.large' ? tooLarge(limit) : error);
  });
}

/**
 * The same rules on Fastify (create the app with `bodyParser: false`): its parsers are replaced by one for
 * JSON (secure against prototype poisoning, as Fastify's own) and a catch-all that answers 415; the size
 * limit is checked before parsing, so an oversized body is the same 413 as on Express rather than
 * Fastify's own error, which the exception filter does not know.
 */
export function acceptJsonBodiesOnFastify(app: NestFastifyApplication, limit = JSON_BODY_LIMIT_BYTES): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  // Requests whose chunked body went over the limit (see limitBytes): the parser answers them 413.
  const truncated = new WeakSet<object>();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request, _payload, done) =>
    done(unsupportedType(request.headers['content-type']), undefined),
  );
  fastify.addContentTypeParser(
    /^application\/(?:[^/\s;]+\+)?json(?:\s*;|$)/i,
    { parseAs: 'string', bodyLimit: limit },
    (request, body, done) => {
      if (truncated.has(request)) return done(tooLarge(limit), undefined);
      const text = body.toString();
      if (text === '') return done(null, undefined); // as body-parser: no body, no `@Body()` value
      parseJson(request, text, (error, value) => {
        if (!error) return done(null, value);
        done(reservedKeysError(text) ?? new InvalidJsonBodyError(error), undefined);
      });
    },
  );
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    if (!hasBody(request.headers)) return payload;
    if (Number(request.headers['content-length']) > limit) throw tooLarge(limit);
    return limitBytes(payload, limit, () => truncated.add(request));
  });
}

/**
 * `payload` cut off after `limit` bytes (a chunked body declares no length), calling `onTruncated`; the rest
 * is read and dropped. It ends early rather than failing: an error raised before Fastify listens to the
 * stream would be unhandled and the request would hang, while an early end always reaches the parser.
 */
function limitBytes(payload: Readable, limit: number, onTruncated: () => void): Readable {
  let received = 0;
  let over = false;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (over) return callback();
      received += chunk.length;
      if (received <= limit) return callback(null, chunk);
      over = true;
      onTruncated();
      this.push(null);
      callback();
    },
  });
  payload.on('error', (error) => limited.destroy(error));
  return payload.pipe(limited);
}
