import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { InvalidOptionError } from '../core/errors';
import type { BreakerState, L2Outcome, Layer, LoaderOutcome, MetricsSink } from './metrics-sink';

/** Options of {@link PrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** Registry the metrics are registered on. Default: a new one (see {@link PrometheusMetrics.registry}). */
  readonly registry?: Registry;
  /** Prefix of every metric name. Default `'cache_'`. */
  readonly prefix?: string;
  /**
   * Constant labels put on every series, e.g. `{ service: 'bid' }`. They are label *values* of these metrics,
   * not the registry's default labels, so a shared registry is left untouched.
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Buckets of `get_duration_seconds`: 10 µs (an L1 hit) to 100 ms (a slow L2 or a miss). */
export const GET_DURATION_BUCKETS = [
  0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1,
] as const;
/** Buckets of `l2_duration_seconds`: a loopback round trip to a breaker-length timeout. */
export const L2_DURATION_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
] as const;
/** Buckets of `loader_duration_seconds`: loaders hit databases and services. */
export const LOADER_DURATION_BUCKETS = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;
/** Buckets of `bus_lag_seconds` (sender and receiver clocks have millisecond resolution). */
export const BUS_LAG_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5] as const;

/** Value of `circuit_breaker_state` for each breaker state. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = {
  closed: 0,
  half_open: 1,
  open: 2,
};

/** Per-namespace hit/miss counts: plain numbers on the hot path, copied into prom-client at scrape time. */
interface NamespaceCounts {
  l1Hits: number;
  l2Hits: number;
  l1Misses: number;
  l2Misses: number;
}

type Labels = Record<string, string>;

const METRIC_SUFFIXES = [
  'hits_total',
  'misses_total',
  'evictions_total',
  'l1_bytes',
  'l1_entries',
  'l1_max_bytes',
  'get_duration_seconds',
  'l2_duration_seconds',
  'loader_duration_seconds',
  'invalidations_sent_total',
  'invalidations_received_total',
  'bus_lag_seconds',
  'stale_served_total',
  'circuit_breaker_state',
  'bus_live',
] as const;
const RESERVED_LABELS = new Set(['layer', 'namespace', 'reason', 'served_by', 'op', 'outcome', 'kind', 'le']);
const EVICTION_REASONS = ['evicted', 'expired', 'rejected'] as const;
const OP_KINDS = ['keys', 'tags', 'prefix', 'all'] as const;

/**
 * {@link MetricsSink} over prom-client. Mount {@link PrometheusMetrics.registry} at `/metrics`.
 *
 * Series (names with the default `cache_` prefix; every series also carries the constant `labels`):
 * - `cache_hits_total{layer,namespace}`, `cache_misses_total{layer,namespace}` — counters. `layer="l1"` counts
 *   L1 lookups; `layer="l2"` counts L2 lookups, i.e. those that missed L1. A request is served from cache when
 *   it hits either layer; it is a final miss when it misses its last layer (`l2`, or `l1` without L2).
 *   A layer's pair of series appears once that layer was consulted in the namespace (both, with 0s), so an
 *   L1-only cache has no `l2` series and `monitoring/prometheus/rules/cache.rules.yml` counts its `l1` misses as final.
 * - `cache_evictions_total{reason}` — L1 removals: `evicted` (size pressure), `expired`, `rejected` (too big).
 * - `cache_l1_bytes`, `cache_l1_entries`, `cache_l1_max_bytes` — gauges read through `bindL1` at scrape time.
 * - `cache_get_duration_seconds{served_by}` — histogram, served_by ∈ l1|l2|loader|miss (L1 hits are sampled
 *   by the engine, so L1 is under-weighted in quantiles across `served_by`).
 * - `cache_l2_duration_seconds{op,outcome}` — histogram, outcome ∈ ok|error|timeout|short_circuit. L2 errors
 *   are not a separate counter: `cache_l2_duration_seconds_count{outcome!="ok"}` is the error count.
 * - `cache_loader_duration_seconds{namespace,outcome}` — histogram, outcome ∈ ok|error|timeout.
 * - `cache_invalidations_sent_total{kind}`, `cache_invalidations_received_total{kind}` — counters (ops).
 * - `cache_bus_lag_seconds` — histogram of publish → apply delay of received ops.
 * - `cache_stale_served_total{namespace,reason}` — counter, reason ∈ swr|grace.
 * - `cache_circuit_breaker_state` — gauge, 0 closed, 1 half-open, 2 open.
 * - `cache_bus_live` — gauge, 1 while this instance hears its own bus messages back, 0 while the bus is silent
 *   (L1 is then not served: see `bus-liveness.ts`).
 *
 * Hot-path cost: `hit`, `miss`, `eviction`, `invalidationSent/Received` and `staleServed` are plain number
 * increments; prom-client counters are filled from them in their `collect()` at scrape time, so they stay
 * monotonic. Histograms are observed directly (the engine samples the L1-hit latency).
 */
export class PrometheusMetrics implements MetricsSink {
  /** The registry holding every series of this sink; serve `await registry.metrics()` at `/metrics`. */
  readonly registry: Registry;

  private readonly base: Labels;
  private readonly namespaces = new Map<string, NamespaceCounts>();
  private lastNamespace: string | undefined;
  private lastCounts: NamespaceCounts | undefined;
  private readonly evictions = { evicted: 0, expired: 0, rejected: 0 };
  private readonly sent = { keys: 0, tags: 0, prefix: 0, all: 0 };
  private readonly received = { keys: 0, tags: 0, prefix: 0, all: 0 };
  private readonly stale = new Map<string, { swr: number; grace: number }>();
  private readL1: (() => { bytes: number; entries: number; maxBytes: number }) | undefined;
  /** Label objects built once per label combination (histogram observations need one per call). */
  private readonly labelCache = new Map<string, Labels>();

  private readonly getDuration: Histogram<string>;
  private readonly l2Duration: Histogram<string>;
  private readonly loaderDuration: Histogram<string>;
  private readonly busLag: Histogram<string>;
  private readonly breakerGauge: Gauge<string>;
  private readonly busLiveGauge: Gauge<string>;

  constructor(options: PrometheusMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    const prefix = options.prefix ?? 'cache_';
    this.base = { ...(options.labels ?? {}) };
    const constant = Object.keys(this.base);
    const clash = constant.find((label) => RESERVED_LABELS.has(label));
    if (clash !== undefined)
      throw new InvalidOptionError(`metrics: label "${clash}" is used by the cache metrics`);
    const taken = METRIC_SUFFIXES.map((suffix) => `${prefix}${suffix}`).find(
      (full) => this.registry.getSingleMetric(full) !== undefined,
    );
    if (taken !== undefined) {
      throw new InvalidOptionError(
        `metrics: "${taken}" is already registered on this registry; give each cache its own prefix or registry`,
      );
    }
    const registers = [this.registry];
    const name = (suffix: (typeof METRIC_SUFFIXES)[number]) => `${prefix}${suffix}`;

    /** A counter filled at scrape time from plain numbers (reset + inc keeps it equal to them: monotonic). */
    const counter = (
      suffix: (typeof METRIC_SUFFIXES)[number],
      help: string,
      labelNames: string[],
      fill: (inc: (labels: Labels, value: number) => void) => void,
    ) => {
      const metric: Counter<string> = new Counter({
        name: name(suffix),
        help,
        labelNames: [...constant, ...labelNames],
        registers,
        collect: () => {
          metric.reset();
          fill((labels, value) => metric.inc(labels, value));
        },
      });
    };
    /** A gauge read from `bindL1` at scrape time. */
    const l1Gauge = (
      suffix: (typeof METRIC_SUFFIXES)[number],
      help: string,
      pick: (size: { bytes: number; entries: number; maxBytes: number }) => number,
    ) => {
      const metric: Gauge<string> = new Gauge({
        name: name(suffix),
        help,
        labelNames: constant,
        registers,
        collect: () => {
          metric.reset();
          if (this.readL1 === undefined) return;
          let value: number;
          try {
            value = pick(this.readL1());
          } catch {
            return; // a failing reader must not break the scrape
          }
          if (Number.isFinite(value)) metric.set(this.base, value);
        },
      });
    };

    counter(
      'hits_total',
      'Lookups served by a cache layer (l2 lookups are the l1 misses).',
      ['layer', 'namespace'],
      (inc) => {
        for (const [namespace, counts] of this.namespaces) {
          if (counts.l1Hits + counts.l1Misses > 0)
            inc(this.labels({ layer: 'l1', namespace }), counts.l1Hits);
          if (counts.l2Hits + counts.l2Misses > 0)
            inc(this.labels({ layer: 'l2', namespace }), counts.l2Hits);
        }
      },
    );
    counter(
      'misses_total',
      'Lookups a cache layer could not serve (a miss in the last layer is a final miss).',
      ['layer', 'namespace'],
      (inc) => {
        for (const [namespace, counts] of this.namespaces) {
          if (counts.l1Hits + counts.l1Misses > 0)
            inc(this.labels({ layer: 'l1', namespace }), counts.l1Misses);
          if (counts.l2Hits + counts.l2Misses > 0)
            inc(this.labels({ layer: 'l2', namespace }), counts.l2Misses);
        }
      },
    );
    counter(
      'evictions_total',
      'L1 entries removed: evicted (size pressure), expired, rejected (too large).',
      ['reason'],
      (inc) => {
        for (const reason of EVICTION_REASONS) inc(this.labels({ reason }), this.evictions[reason]);
      },
    );
    l1Gauge('l1_bytes', 'Bytes held by L1.', (size) => size.bytes);
    l1Gauge('l1_entries', 'Entries held by L1.', (size) => size.entries);
    l1Gauge('l1_max_bytes', 'L1 capacity in bytes.', (size) => size.maxBytes);
    this.getDuration = new Histogram({
      name: name('get_duration_seconds'),
      help: 'Latency of cache reads by what served them: l1 (sampled), l2, loader, miss.',
      labelNames: [...constant, 'served_by'],
      buckets: [...GET_DURATION_BUCKETS],
      registers,
    });
    this.l2Duration = new Histogram({
      name: name('l2_duration_seconds'),
      help: 'Latency of L2 calls by outcome; the count of outcome!="ok" is the L2 error count.',
      labelNames: [...constant, 'op', 'outcome'],
      buckets: [...L2_DURATION_BUCKETS],
      registers,
    });
    this.loaderDuration = new Histogram({
      name: name('loader_duration_seconds'),
      help: 'Latency of getOrSet loaders by outcome.',
      labelNames: [...constant, 'namespace', 'outcome'],
      buckets: [...LOADER_DURATION_BUCKETS],
      registers,
    });
    counter('invalidations_sent_total', 'Invalidation ops published on the bus.', ['kind'], (inc) => {
      for (const kind of OP_KINDS) inc(this.labels({ kind }), this.sent[kind]);
    });
    counter(
      'invalidations_received_total',
      'Invalidation ops received from other instances.',
      ['kind'],
      (inc) => {
        for (const kind of OP_KINDS) inc(this.labels({ kind }), this.received[kind]);
      },
    );
    this.busLag = new Histogram({
      name: name('bus_lag_seconds'),
      help: 'Delay between an invalidation being published and received here (sender and receiver clocks).',
      labelNames: constant,
      buckets: [...BUS_LAG_BUCKETS],
      registers,
    });
    counter(
      'stale_served_total',
      'Stale values served: swr (stale-while-revalidate) or grace (loader failed).',
      ['namespace', 'reason'],
      (inc) => {
        for (const [namespace, counts] of this.stale) {
          inc(this.labels({ namespace, reason: 'swr' }), counts.swr);
          inc(this.labels({ namespace, reason: 'grace' }), counts.grace);
        }
      },
    );
    this.breakerGauge = new Gauge({
      name: name('circuit_breaker_state'),
      help: 'L2 circuit breaker: 0 closed, 1 half-open, 2 open.',
      labelNames: constant,
      registers,
    });
    this.breakerGauge.set(this.base, BREAKER_STATE_VALUE.closed);
    this.busLiveGauge = new Gauge({
      name: name('bus_live'),
      help: 'Bus liveness: 1 while this instance hears its own bus messages back, 0 while silent (L1 not served).',
      labelNames: constant,
      registers,
    });
    this.busLiveGauge.set(this.base, 1);
  }

  /** Counts an L1 or L2 hit: a plain increment, published at scrape time. */
  hit(layer: Layer, namespace: string): void {
    const counts =
      namespace === this.lastNamespace ? (this.lastCounts as NamespaceCounts) : this.countsOf(namespace);
    if (layer === 'l1') counts.l1Hits++;
    else counts.l2Hits++;
  }

  /** Counts an L1 or L2 miss: a plain increment, published at scrape time. */
  miss(layer: Layer, namespace: string): void {
    const counts =
      namespace === this.lastNamespace ? (this.lastCounts as NamespaceCounts) : this.countsOf(namespace);
    if (layer === 'l1') counts.l1Misses++;
    else counts.l2Misses++;
  }

  /** Observes a served read's latency. */
  getLatency(servedBy: Layer | 'loader' | 'miss', seconds: number): void {
    if (Number.isFinite(seconds))
      this.getDuration.observe(this.labels({ served_by: servedBy }), Math.max(0, seconds));
  }

  /** Observes an L2 call's latency and outcome. */
  l2Call(op: string, outcome: L2Outcome, seconds: number): void {
    if (Number.isFinite(seconds)) this.l2Duration.observe(this.labels({ op, outcome }), Math.max(0, seconds));
  }

  /** Observes a loader run's latency and outcome. */
  loader(namespace: string, outcome: LoaderOutcome, seconds: number): void {
    if (Number.isFinite(seconds)) {
      this.loaderDuration.observe(this.labels({ namespace, outcome }), Math.max(0, seconds));
    }
  }

  /** Counts an L1 removal. */
  eviction(reason: 'evicted' | 'expired' | 'rejected'): void {
    this.evictions[reason]++;
  }

  /** Counts a published invalidation op. */
  invalidationSent(kind: 'keys' | 'tags' | 'prefix' | 'all'): void {
    this.sent[kind]++;
  }

  /** Counts a received invalidation op and observes its bus lag. */
  invalidationReceived(kind: 'keys' | 'tags' | 'prefix' | 'all', lagSeconds: number): void {
    this.received[kind]++;
    if (Number.isFinite(lagSeconds)) this.busLag.observe(this.base, Math.max(0, lagSeconds));
  }

  /** Counts a stale value served. */
  staleServed(namespace: string, reason: 'swr' | 'grace'): void {
    let counts = this.stale.get(namespace);
    if (counts === undefined) {
      counts = { swr: 0, grace: 0 };
      this.stale.set(namespace, counts);
    }
    counts[reason]++;
  }

  /** Sets the breaker gauge. */
  breaker(state: BreakerState): void {
    this.breakerGauge.set(this.base, BREAKER_STATE_VALUE[state]);
  }

  /** Sets the bus liveness gauge. */
  busLive(live: boolean): void {
    this.busLiveGauge.set(this.base, live ? 1 : 0);
  }

  /** Registers how to read L1 size; the three `l1_*` gauges call it at each scrape. */
  bindL1(read: () => { bytes: number; entries: number; maxBytes: number }): void {
    this.readL1 = read;
  }

  private countsOf(namespace: string): NamespaceCounts {
    let counts = this.namespaces.get(namespace);
    if (counts === undefined) {
      counts = { l1Hits: 0, l2Hits: 0, l1Misses: 0, l2Misses: 0 };
      this.namespaces.set(namespace, counts);
    }
    this.lastNamespace = namespace;
    this.lastCounts = counts;
    return counts;
  }

  /** The constant labels plus `extra`, one object per combination. */
  private labels(extra: Labels): Labels {
    let key = '';
    for (const name in extra) key += `${name}\u0000${extra[name]}\u0001`;
    let labels = this.labelCache.get(key);
    if (labels === undefined) {
      labels = { ...this.base, ...extra };
      this.labelCache.set(key, labels);
    }
    return labels;
  }
}
