import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { toMs, type Duration } from '../../core/duration';
import { CACHE_RESOURCES, type CacheResources } from '../cache-resources';

/** Options of {@link CacheHealthIndicator.isHealthy}. */
export interface CacheHealthOptions {
  /** How long PING may take. Default `'1s'`. */
  readonly timeout?: Duration;
}

/**
 * Terminus health indicator of the cache's L2: `up` when Redis answers PING in time and the circuit breaker is
 * not open; the details carry the breaker state and the PING time. Use it in a detailed health endpoint; in a
 * readiness probe it would take every instance out during a Redis outage that the cache is built to ride out.
 *
 * @example
 * \@Get('health') \@HealthCheck()
 * check() { return this.health.check([() => this.cacheHealth.isHealthy('cache')]); }
 */
@Injectable()
export class CacheHealthIndicator {
  private readonly indicators = new HealthIndicatorService();

  constructor(@Inject(CACHE_RESOURCES) private readonly resources: CacheResources) {}

  /** Checks L2 (PING and breaker); an L1-only cache is always up. */
  async isHealthy<const Key extends string = 'cache'>(
    key: Key = 'cache' as Key,
    options: CacheHealthOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.indicators.check(key);
    const { cache, l2Kind, l2Client } = this.resources;
    const breaker = cache.breakerState;
    if (l2Kind === 'none') return indicator.up({ l2: 'none' });
    if (l2Client === undefined) {
      // A custom driver or store: the breaker is what we know of its health.
      return breaker === 'open'
        ? indicator.down({ l2: 'driver', breaker })
        : indicator.up({ l2: 'driver', breaker });
    }
    const timeoutMs = toMs(options.timeout ?? '1s', 'timeout');
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        l2Client.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no PING reply within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      return indicator.down({
        l2: 'redis',
        breaker,
        message: error instanceof Error ? error.message : String(error),
      });
    } finally {
      clearTimeout(timer);
    }
    const pingMs = Date.now() - started;
    if (breaker === 'open') {
      return indicator.down({ l2: 'redis', breaker, pingMs, message: 'L2 circuit breaker is open' });
    }
    return indicator.up({ l2: 'redis', breaker, pingMs });
  }
}
