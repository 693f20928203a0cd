import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { CACHE_RESOURCES, type CacheResources } from '../cache-resources';

/** Operations of the Nest layer whose cache failures are counted (and never thrown). */
export type CacheNestOp = 'cacheable' | 'put' | 'evict' | 'invalidate';

/**
 * The Nest layer's own series, next to the engine's on the same registry and with the same constant labels:
 * - `cache_edge_purges_total{purger,outcome}` — edge purge calls, outcome ∈ ok|error;
 * - `cache_decorator_errors_total{op,namespace}` — cache failures a decorated method survived (it fell
 *   through to the method, or an eviction could not reach L2).
 */
@Injectable()
export class CacheNestMetrics {
  private readonly purges: Counter<string>;
  private readonly errors: Counter<string>;
  private readonly labels: Readonly<Record<string, string>>;

  constructor(@Inject(CACHE_RESOURCES) resources: CacheResources) {
    const { prefix, labels } = resources.metricNames;
    this.labels = labels;
    const constant = Object.keys(labels);
    this.purges = counter(resources.registry, `${prefix}edge_purges_total`, 'Edge (L3) purge calls.', [
      ...constant,
      'purger',
      'outcome',
    ]);
    this.errors = counter(
      resources.registry,
      `${prefix}decorator_errors_total`,
      'Cache failures that cache decorators and the invalidator survived without failing the call.',
      [...constant, 'op', 'namespace'],
    );
  }

  /** Counts one edge purge call. */
  edgePurge(purger: string, outcome: 'ok' | 'error'): void {
    this.purges.inc({ ...this.labels, purger, outcome });
  }

  /** Counts one cache failure survived by `op`. */
  decoratorError(op: CacheNestOp, namespace: string): void {
    this.errors.inc({ ...this.labels, op, namespace });
  }
}

/** A counter, or the one already registered under that name (two modules sharing one registry). */
function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter<string> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<string>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}
