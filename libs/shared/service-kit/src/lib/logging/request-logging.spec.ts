import { Controller, Get, Logger as NestLogger, Module, Param, type INestApplication } from '@nestjs/common';
import { loadServiceConfig } from '@platform/config';
import { Logger, LoggerModule } from 'nestjs-pino';
import { Writable } from 'node:stream';
import { createHttpApp } from '../bootstrap/http-app';
import { loggerOptions } from './logger-options';
import { installRequestLogging } from './request-logging';

@Controller('things')
class ThingController {
  private readonly logger = new NestLogger('ThingController');

  @Get(':id')
  async get(@Param('id') id: string) {
    // After an await: the request's context must survive the hop, as it does for real handlers.
    await new Promise((resolve) => setImmediate(resolve));
    if (id === 'boom') throw new Error('boom');
    this.logger.warn(`looked up ${id}`);
    return { id };
  }
}

type Line = Record<string, unknown> & { req?: Record<string, unknown>; msg?: string };

async function startThings(adapter: 'fastify' | 'express', level: string) {
  const config = loadServiceConfig(
    { name: 'things', httpPort: 1, grpcPort: 2, dbSchema: 'things' },
    {
      DATABASE_URL: 'postgres://u:p@h:1/d',
      REDIS_URL: 'redis://h:1',
      KAFKA_BROKERS: 'h:1',
      LOG_LEVEL: level,
      HTTP_ADAPTER: adapter,
    },
  );
  const lines: Line[] = [];
  const sink = new Writable({
    write: (chunk, _encoding, done) => (lines.push(JSON.parse(String(chunk)) as Line), done()),
  });
  @Module({
    imports: [LoggerModule.forRoot({ ...loggerOptions(config), forRoutes: [] })],
    controllers: [ThingController],
  })
  class ThingModule {}
  const app = await createHttpApp({ module: ThingModule, imports: [] }, adapter);
  app.useLogger(app.get(Logger));
  installRequestLogging(app, adapter, loggerOptions(config), sink);
  await app.listen(0, '127.0.0.1');
  const httpUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, httpUrl, lines };
}

describe('installRequestLogging()', () => {
  describe.each(['fastify', 'express'] as const)('on %s', (adapter) => {
    describe('at debug', () => {
      let app: INestApplication;
      let httpUrl: string;
      let lines: Line[];
      beforeAll(async () => ({ app, httpUrl, lines } = await startThings(adapter, 'debug')));
      afterAll(() => app.close());
      beforeEach(() => lines.splice(0));

      it("should write one access line bound to the request, and bind the handler's own lines to it too", async () => {
        const response = await fetch(`${httpUrl}/things/7?phone=%2B14155550100`, {
          headers: { 'x-request-id': 'req-abc' },
        });
        expect(response.status).toBe(200);
        const req = { id: 'req-abc', method: 'GET', path: '/things/7' };
        expect(lines).toEqual([
          expect.objectContaining({ level: 'warn', service: 'things', req, msg: 'looked up 7' }),
          expect.objectContaining({
            level: 'debug',
            service: 'things',
            req,
            res: { statusCode: 200 },
            responseTime: expect.any(Number),
            msg: 'request completed',
          }),
        ]);
        expect(JSON.stringify(lines)).not.toContain('4155550100');
      });

      it('should give a request without X-Request-Id an id of its own, the same on all its lines', async () => {
        await fetch(`${httpUrl}/things/8`);
        const ids = lines.map((line) => line.req?.['id']);
        expect(ids).toHaveLength(2);
        expect(ids[0]).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
        expect(ids[1]).toBe(ids[0]);
      });

      it('should log a 404 at warn and a failure at error as "request errored"', async () => {
        await fetch(`${httpUrl}/nowhere`);
        await fetch(`${httpUrl}/things/boom`);
        const access = lines.filter((line) => line.msg?.startsWith('request '));
        expect(access).toEqual([
          expect.objectContaining({ level: 'warn', res: { statusCode: 404 }, msg: 'request completed' }),
          expect.objectContaining({
            level: 'error',
            res: { statusCode: 500 },
            err: expect.objectContaining({ message: 'failed with status code 500' }),
            msg: 'request errored',
          }),
        ]);
      });

      it('should not log health probes', async () => {
        await fetch(`${httpUrl}/health/live`);
        expect(lines).toEqual([]);
      });
    });

    describe('at info', () => {
      let app: INestApplication;
      let httpUrl: string;
      let lines: Line[];
      beforeAll(async () => ({ app, httpUrl, lines } = await startThings(adapter, 'info')));
      afterAll(() => app.close());

      it('should write nothing for a successful read, and still bind lines logged during it', async () => {
        await fetch(`${httpUrl}/things/9`, { headers: { 'x-request-id': 'req-info' } });
        expect(lines).toEqual([
          expect.objectContaining({ level: 'warn', req: expect.objectContaining({ id: 'req-info' }) }),
        ]);
      });
    });
  });
});
