import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { IncomingMessage } from 'node:http';
import { InvalidJsonBodyError } from '../errors';

/** The one body type the services accept. */
export const JSON_MEDIA_TYPE = 'application/json';

/** Whether a `Content-Type` header names JSON: `application/json` or `application/<x>+json`, any parameters. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === JSON_MEDIA_TYPE || /^application\/[^/\s]+\+json$/.test(type);
}

/** Whether a request carries a body (a chunked one, or a non-zero Content-Length). */
const hasBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

type Next = (error?: unknown) => void;

/**
 * Request bodies for JSON APIs, replacing Nest's default parsers (call with `bodyParser: false` at create):
 * a body of any other type is refused with 415 naming the accepted type (form bodies are not parsed into
 * DTOs), and a body that is not JSON is an {@link InvalidJsonBodyError} (400) that says it is the body.
 * Nesting depth and NUL characters are checked by the validation pipe, for gRPC too.
 */
export function acceptJsonBodiesOnly(app: NestExpressApplication): void {
  app.use((req: IncomingMessage, _res: unknown, next: Next) => {
    if (!hasBody(req) || isJsonMediaType(req.headers['content-type'])) return next();
    const type = req.headers['content-type'];
    next(
      new UnsupportedMediaTypeException(
        `${type ? `Content-Type ${type} is not supported` : 'The request body has no Content-Type'}: send it as ${JSON_MEDIA_TYPE}`,
      ),
    );
  });
  app.useBodyParser('json', {
    type: (req: IncomingMessage) => isJsonMediaType(req.headers['content-type']),
  });
  // Four parameters: Express hands this the parser's errors (and only errors).
  app.use((error: unknown, _req: IncomingMessage, _res: unknown, next: Next) => {
    const failure = error as { type?: unknown } | null;
    next(failure?.type === 'entity.parse.failed' ? new InvalidJsonBodyError(error as Error) : error);
  });
}
