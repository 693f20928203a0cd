import { DynamicModule, Global, INestApplicationContext, Module, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheModule } from '@platform/cache/nest';
import { randomUUID } from 'node:crypto';
import { SERVICE_CONFIG } from '../lib/service-kit.constants';

/** Options of {@link startClientCaller}. */
export interface ClientCallerOptions {
  /** Start of the cache prefix; a random suffix keeps runs apart (`<name>-1a2b3c4d:`). */
  readonly name: string;
  /** The Redis behind the cache (L2), or `false` for a cache with L1 only. */
  readonly redisUrl: string | false;
}

/**
 * Starts a calling service as far as a peer's client module needs it: the service kit's config, named
 * `caller` and with `peers`, and the root cache. For a client's integration test; `close()` it when done.
 */
export async function startClientCaller(
  clientModule: Type<unknown> | DynamicModule,
  peers: Record<string, string>,
  { name, redisUrl }: ClientCallerOptions,
): Promise<INestApplicationContext> {
  @Global()
  @Module({
    providers: [{ provide: SERVICE_CONFIG, useValue: { name: 'caller', peers } }],
    exports: [SERVICE_CONFIG],
  })
  class CallerConfigModule {}

  const moduleRef = await Test.createTestingModule({
    imports: [
      CallerConfigModule,
      CacheModule.forRoot({
        prefix: `${name}-${randomUUID().slice(0, 8)}:`,
        ...(redisUrl === false ? { l2: false } : { redis: { mode: 'standalone', url: redisUrl } as const }),
        metricsPath: false,
      }),
      clientModule,
    ],
  }).compile();
  return moduleRef.init();
}
