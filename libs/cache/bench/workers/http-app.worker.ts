/**
 * One app of `npm run bench:http`, in its own process (started with tools/bench/swc-register.cjs): the same handler
 * behind no cache, `@nestjs/cache-manager`'s CacheInterceptor (in-memory or Keyv Redis) or ours, or a bare
 * hello-world route (the framework's floor), on Express or Fastify. It listens on
 * a free loopback port, reports it over IPC, answers `{ type: 'calls' }` with its handler count and exits on
 * `{ type: 'stop' }`.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { Controller, Get, Module, Param, UseInterceptors, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { CacheInterceptor, CacheModule as NestCacheModule } from '@nestjs/cache-manager';
import { createKeyv } from '@keyv/redis';
import { CacheModule, CacheRoute, HttpCacheInterceptor } from '../../src/nest';

/** What the runner passes as the single argument. */
export interface HttpAppConfig {
  readonly variant: 'hello' | 'bare' | 'nest-cache-manager' | 'nest-cache-manager-redis' | 'ours';
  /** The HTTP framework under Nest. */
  readonly adapter: 'express' | 'fastify';
  readonly redisUrl: string;
  readonly prefix: string;
  /** Simulated database wait of the handler, in ms. */
  readonly costMs: number;
  /** Simulated CPU work of the handler (decoding rows, mapping), in ms of busy loop. */
  readonly cpuMs: number;
}

const config = JSON.parse(process.argv[2]) as HttpAppConfig;
const counter = { calls: 0 };

/** The handler's work: a ~1 KB JSON bid after a simulated database round trip and some CPU work. */
async function loadBid(id: string) {
  counter.calls++;
  await new Promise((resolve) => setTimeout(resolve, config.costMs));
  const until = performance.now() + config.cpuMs;
  while (performance.now() < until) {
    // busy: the part of a database call that costs this process CPU
  }
  return {
    id,
    buyerId: 'buyer-7',
    amount: 12.5,
    status: 'active',
    history: Array.from({ length: 12 }, (_, i) => ({
      at: 1_700_000_000_000 + i * 1000,
      amount: 10 + i / 4,
      by: `b${i}`,
    })),
  };
}

/** The hello-world floor's answer: a constant ~1 KB JSON object, no work. */
const HELLO = {
  id: '42',
  buyerId: 'buyer-7',
  amount: 12.5,
  status: 'active',
  history: Array.from({ length: 12 }, (_, i) => ({
    at: 1_700_000_000_000 + i * 1000,
    amount: 10 + i / 4,
    by: `b${i}`,
  })),
};

function controllerFor(variant: HttpAppConfig['variant']): Type {
  if (variant === 'hello') {
    @Controller()
    class HelloController {
      @Get('bids/:id')
      find() {
        counter.calls++;
        return HELLO;
      }
    }
    return HelloController;
  }
  if (variant === 'bare') {
    @Controller()
    class BareController {
      @Get('bids/:id')
      find(@Param('id') id: string) {
        return loadBid(id);
      }
    }
    return BareController;
  }
  if (variant === 'ours') {
    @Controller()
    @UseInterceptors(HttpCacheInterceptor)
    class OursController {
      @Get('bids/:id')
      @CacheRoute({ key: 'bid:{id}', ttl: { l1: '30s', l2: '5m', l3: '1m' } })
      find(@Param('id') id: string) {
        return loadBid(id);
      }
    }
    return OursController;
  }
  @Controller()
  @UseInterceptors(CacheInterceptor)
  class TheirController {
    @Get('bids/:id')
    find(@Param('id') id: string) {
      return loadBid(id);
    }
  }
  return TheirController;
}

function cacheImports(variant: HttpAppConfig['variant']) {
  switch (variant) {
    case 'hello':
    case 'bare':
      return [];
    case 'nest-cache-manager':
      return [NestCacheModule.register({ ttl: 300_000 })];
    case 'nest-cache-manager-redis':
      return [
        NestCacheModule.register({
          ttl: 300_000,
          stores: [createKeyv(config.redisUrl, { namespace: config.prefix })],
        }),
      ];
    case 'ours':
      return [
        CacheModule.forRoot({
          prefix: config.prefix,
          redis: { mode: 'standalone', url: config.redisUrl },
          metricsPath: false,
        }),
      ];
  }
}

async function main(): Promise<void> {
  @Module({
    imports: cacheImports(config.variant),
    controllers: [controllerFor(config.variant)],
  })
  class AppModule {}

  const app =
    config.adapter === 'fastify'
      ? await NestFactory.create(AppModule, new FastifyAdapter(), { logger: ['error'] })
      : await NestFactory.create(AppModule, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const port = Number(new URL(await app.getUrl()).port);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'calls') process.send?.({ type: 'calls', calls: counter.calls });
    if (message.type === 'stop') {
      void app.close().finally(() => process.exit(0));
    }
  });
  process.send?.({ type: 'ready', port });
}

main().catch((error: unknown) => {
  process.send?.({
    type: 'error',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exit(1);
});
