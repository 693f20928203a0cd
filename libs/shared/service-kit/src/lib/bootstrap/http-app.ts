import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { HttpAdapterName } from '@platform/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Server, ServerResponse } from 'node:http';
import { problemBody, toProblem } from '../filters/app-exception.filter';
import { answerClientError } from './client-errors';
import { acceptJsonBodiesOnExpress, acceptJsonBodiesOnFastify, JSON_BODY_LIMIT_BYTES } from './json-body';
import { createQueryParser } from './query-parser';

/**
 * Defense in depth behind the VCL's own rule: no shared cache (a CDN that ignores our VCL) keeps what a
 * route did not mark. `@CacheRoute` (HttpCacheInterceptor) and `@Header('Cache-Control', …)` replace it.
 */
export const DEFAULT_CACHE_CONTROL = 'no-store';

/**
 * Longest path parameter Fastify routes (its default, 100, answers a longer one 404 before validation could
 * name the field). Node's own limit on the request line and headers (16 KiB) bounds it anyway.
 */
export const MAX_PARAM_LENGTH = 16 * 1024;

/** Per-service HTTP limits (from `LimitsConfig`). */
export interface HttpAppOptions {
  /** Largest request body, bytes (default {@link JSON_BODY_LIMIT_BYTES}). */
  bodyLimitBytes?: number;
}

/**
 * Creates the Nest application of a service on the chosen HTTP framework, with the same HTTP rules on
 * both: JSON-only bodies (see `json-body.ts`), `Cache-Control: no-store` unless a route says otherwise,
 * and no framework advertised to callers. Fastify is the default: it costs about half of what Express
 * costs per request, and a cached answer is mostly framework.
 */
export async function createHttpApp(
  module: DynamicModule,
  adapter: HttpAdapterName,
  { bodyLimitBytes = JSON_BODY_LIMIT_BYTES }: HttpAppOptions = {},
): Promise<INestApplication> {
  // abortOnError: false — a failing boot must reject (main logs it and exits 1; a test sees the error)
  // rather than Nest calling process.exit() itself.
  // bodyParser: false — JSON only, installed below; Nest's defaults would also parse form bodies.
  const options = { bufferLogs: true, abortOnError: false, bodyParser: false } as const;
  if (adapter === 'express') {
    const app = await NestFactory.create<NestExpressApplication>(module, options);
    acceptJsonBodiesOnExpress(app, bodyLimitBytes);
    app.disable('x-powered-by');
    // Node's HTTP server is created with the app; with a listener, its own answer (no body) is not sent.
    (app.getHttpServer() as Server).on('clientError', answerClientError);
    app.use((_request: unknown, response: ServerResponse, next: () => void) => {
      response.setHeader('Cache-Control', DEFAULT_CACHE_CONTROL);
      next();
    });
    return app;
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({
      bodyLimit: bodyLimitBytes,
      // Express's own ('simple') parser, so `@Query()` objects are the same plain data on both: Fastify's
      // default builds objects on a custom prototype, which the validation pipe's NUL and depth walk skips.
      // Remembers the last short query strings (query-parser.ts).
      routerOptions: { querystringParser: createQueryParser(), maxParamLength: MAX_PARAM_LENGTH },
      // Errors Fastify raises before any route runs (a path that does not percent-decode, a parameter past
      // maxParamLength) answer in the service's error shape, as Express's do through the exception filter.
      clientErrorHandler: answerClientError,
      frameworkErrors: (error: Error, _request: FastifyRequest, reply: FastifyReply) => {
        const problem = toProblem(error);
        reply.code(problem.status).header('cache-control', DEFAULT_CACHE_CONTROL).send(problemBody(problem));
      },
    }),
    options,
  );
  acceptJsonBodiesOnFastify(app, bodyLimitBytes);
  const fastify = app.getHttpAdapter().getInstance();
  // A hook rather than middleware: Fastify runs hooks without the Express-compatibility layer.
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.header('cache-control', DEFAULT_CACHE_CONTROL);
    done();
  });
  // Graceful shutdown with keep-alive clients: closing only drops connections idle at that moment, so a
  // connection whose request was still in flight would stay open after its response (for the keep-alive
  // timeout, 72 s) and hold the shutdown. Once closing, responses ask the client to close the connection.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  return app;
}
