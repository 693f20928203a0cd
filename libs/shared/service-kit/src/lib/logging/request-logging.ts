import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { HttpAdapterName } from '@platform/config';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
// nestjs-pino's own request context: its `Logger` (the app's logger) writes through the logger found here, so
// a line logged while a request is handled carries that request's id.
import { storage } from 'nestjs-pino/storage';
import pino from 'pino';

/** The pino-http options {@link loggerOptions} gives, read by the request logging below. */
interface RequestLogOptions extends pino.LoggerOptions {
  customLogLevel: (req: IncomingMessage, res: ServerResponse, error?: unknown) => pino.Level;
  genReqId: (req: IncomingMessage) => string;
  autoLogging: { ignore: (req: IncomingMessage) => boolean };
}

/** Where a Fastify request's logging context is kept. */
const CONTEXT = Symbol('requestLogContext');

/** The Node request as logged: pino-http's `req.id`, set when the request's first line is written. */
type LoggedRequest = IncomingMessage & { id?: unknown; originalUrl?: string };

/**
 * One request's logging context, in nestjs-pino's `Store` shape (`logger`, `responseLogger`). The child logger
 * that binds the request (`"req":{"id","method","path"}`) is built when a line is first written, not for every
 * request: a cached GET logs nothing at `info`, and building the child (binding and serializing the request)
 * cost more than answering it.
 */
class RequestLogContext {
  private child: pino.Logger | undefined;
  /** Whether the access line was written (a response ends once, but Fastify and Node may both say so). */
  done = false;
  readonly responseLogger = undefined;

  constructor(
    private readonly root: pino.Logger,
    private readonly options: RequestLogOptions,
    readonly req: LoggedRequest,
    readonly res: ServerResponse,
    readonly startedAt: number,
  ) {}

  get logger(): pino.Logger {
    if (this.child === undefined) {
      const req = this.req;
      req.id ??= this.options.genReqId(req);
      this.child = this.root.child({
        req: { id: req.id, method: req.method, url: req.originalUrl ?? req.url },
      });
    }
    return this.child;
  }

  /** nestjs-pino's `PinoLogger.assign()` replaces the logger with a child carrying more fields. */
  set logger(value: pino.Logger) {
    this.child = value;
  }
}

/**
 * One line per request, as pino-http wrote it (`request completed` / `request errored` / `request aborted`
 * with `res` and `responseTime`, bound to the request), at the level `customLogLevel` picks; and the request
 * context for every line logged while the request is handled. Installed as Fastify hooks, or as an Express
 * middleware, instead of nestjs-pino's Nest middleware: on Fastify that ran through `@fastify/middie` (the
 * Express-compatibility layer) and built a pino child logger for every request, whether it wrote or not.
 */
export function installRequestLogging(
  app: INestApplication,
  adapter: HttpAdapterName,
  params: Params,
  /** Where lines go (stdout by default; a test's capture stream). */
  destination?: pino.DestinationStream,
): void {
  const options = params.pinoHttp as RequestLogOptions;
  const root = destination === undefined ? pino(options) : pino(options, destination);
  const start = (req: LoggedRequest, res: ServerResponse) =>
    new RequestLogContext(root, options, req, res, Date.now());

  const finish = (context: RequestLogContext, aborted: boolean) => {
    if (context.done) return;
    context.done = true;
    const { req, res } = context;
    if (options.autoLogging.ignore(req)) return;
    const level = options.customLogLevel(req, res);
    // Checked before the child logger exists: a line below the level costs nothing.
    if (!root.isLevelEnabled(level)) return;
    const responseTime = Date.now() - context.startedAt;
    const log = context.logger;
    if (res.statusCode >= 500) {
      const err = new Error(`failed with status code ${res.statusCode}`);
      log[level]({ res, err, responseTime }, 'request errored');
    } else {
      log[level]({ res, responseTime }, aborted ? 'request aborted' : 'request completed');
    }
  };

  if (adapter === 'fastify') {
    const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
    // On the Node request rather than in a WeakMap: a WeakMap entry per request cost more than the rest.
    type WithContext = { [CONTEXT]?: RequestLogContext };
    fastify.addHook('onRequest', (request, reply, done) => {
      const context = start(request.raw, reply.raw);
      (request.raw as WithContext)[CONTEXT] = context;
      storage.run(context as never, done);
    });
    fastify.addHook('onResponse', (request, _reply, done) => {
      const context = (request.raw as WithContext)[CONTEXT];
      if (context !== undefined) finish(context, false);
      done();
    });
    // The client went away before the response was sent (Fastify's onResponse does not run then).
    fastify.addHook('onRequestAbort', (request, done) => {
      const context = (request.raw as WithContext)[CONTEXT];
      if (context !== undefined) finish(context, true);
      done();
    });
    return;
  }
  app.use((req: LoggedRequest, res: ServerResponse, next: () => void) => {
    const context = start(req, res);
    const onEnd = () => {
      res.removeListener('finish', onEnd);
      res.removeListener('close', onEnd);
      finish(context, !res.writableEnded || req.readableAborted);
    };
    res.on('finish', onEnd);
    res.on('close', onEnd);
    storage.run(context as never, next);
  });
}
