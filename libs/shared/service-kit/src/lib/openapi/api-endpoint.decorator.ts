import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtension,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  getSchemaPath,
  ApiExtraModels,
} from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ProblemSchema } from './problem.schema';

/** Name of the bearer security scheme in the document. */
export const BEARER_SCHEME = 'bearer';

/** Extension naming the scopes a route needs (`x-required-scopes: ['bid:read']`). */
export const SCOPES_EXTENSION = 'x-required-scopes';

/** Error statuses a route may declare besides the ones {@link ApiEndpoint} adds itself. */
export type ApiErrorStatus = 404 | 409 | 503;

/** A success response that is not JSON (an HTML page, a script, Prometheus text). */
export interface ApiRawResponse {
  contentType: string;
  schema: SchemaObject;
}

/** Options of {@link ApiEndpoint}. */
export interface ApiEndpointOptions {
  /** One line: what the route does. */
  summary: string;
  /** More detail (Markdown). The scope sentence is appended. */
  description?: string;
  /** Scope a bearer token must carry (`bid:read`, `bid:write`); omitted for the open routes (health, metrics). */
  scope?: string;
  /** Success status; 200 unless given. */
  status?: 200 | 201 | 204;
  /** Further success statuses answered with the same body (e.g. an upsert's 200 next to its 201). */
  alsoStatus?: (200 | 201)[];
  /** Success body: a class, `[Class]` for an array, a raw content type, or nothing (204). */
  response?: Type | [Type] | ApiRawResponse;
  /** Route-specific errors; 400 (input), 401/403 (scope), 413/415 (body), 429 and 503 (scope) are added. */
  errors?: ApiErrorStatus[];
  /** The route reads a request body: documents 413 and 415. */
  body?: boolean;
  /** The route takes no input at all (no params, query or body): no 400 is documented. */
  noInput?: boolean;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: `VALIDATION.FAILED` with `fields` naming each rejected field, or `REQUEST.INVALID_JSON`',
  401: 'Missing, malformed or expired bearer token',
  403: 'The token lacks the scope this route needs',
  404: 'Not found: `<ENTITY>.NOT_FOUND`',
  409: 'Conflict with the current state: `<ENTITY>.CONFLICT` / precondition failed',
  413: 'Request body larger than the service allows (`HTTP_BODY_LIMIT_BYTES`, 100 KiB by default): `HTTP.413` naming `(body)`',
  415: 'Request body is not `application/json`: `HTTP.415` naming `content-type`',
  429: 'The caller is over its rate limit: `RATE_LIMIT.EXCEEDED`, with `Retry-After` and `RateLimit-*`',
  503: 'A dependency is unavailable: `DEPENDENCY.UNAVAILABLE` (or `<UPSTREAM>.UNAVAILABLE`), with `Retry-After`',
};

const errorResponse = (status: number): MethodDecorator =>
  ApiResponse({
    status,
    description: ERROR_DESCRIPTIONS[status],
    content: { 'application/json': { schema: { $ref: getSchemaPath(ProblemSchema) } } },
    ...(status === 503 || status === 429
      ? { headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } } }
      : {}),
  });

const successResponse = (status: number, response: ApiEndpointOptions['response']): MethodDecorator => {
  if (response === undefined) return ApiResponse({ status, description: 'Done; no body' });
  if (Array.isArray(response))
    return ApiResponse({ status, type: response[0], isArray: true, description: 'OK' });
  if (typeof response === 'function') return ApiResponse({ status, type: response, description: 'OK' });
  return ApiResponse({
    status,
    description: 'OK',
    content: { [response.contentType]: { schema: response.schema } },
  });
};

/**
 * Documents one REST route in a single decorator: its summary, the bearer scheme and scope it needs, its
 * success body and every error body the exception filter can send for it (all as {@link ProblemSchema}).
 * The route-coverage test (`expectEveryRouteDocumented`) fails for a route without it.
 */
export function ApiEndpoint(options: ApiEndpointOptions): MethodDecorator {
  const status = options.status ?? 200;
  const scopeNote = options.scope
    ? `Requires a bearer token with scope \`${options.scope}\`.`
    : 'Open: no token needed.';
  const errors = new Set<number>(options.errors ?? []);
  if (!options.noInput) errors.add(400);
  errors.add(429); // every route but health, metrics and docs, when RATE_LIMIT_ENABLED
  if (options.body) [413, 415].forEach((s) => errors.add(s));
  if (options.scope) [401, 403, 503].forEach((s) => errors.add(s));
  const raw = options.response && !Array.isArray(options.response) && typeof options.response !== 'function';
  return applyDecorators(
    ApiExtraModels(ProblemSchema),
    ApiOperation({
      summary: options.summary,
      description: [options.description, scopeNote].filter(Boolean).join('\n\n'),
    }),
    ...(options.scope ? [ApiBearerAuth(BEARER_SCHEME), ApiExtension(SCOPES_EXTENSION, [options.scope])] : []),
    ...(raw ? [ApiProduces((options.response as ApiRawResponse).contentType)] : []),
    successResponse(status, options.response),
    ...(options.alsoStatus ?? []).map((s) => successResponse(s, options.response)),
    ...[...errors].sort().map(errorResponse),
  );
}
