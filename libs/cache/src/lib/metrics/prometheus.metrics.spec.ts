import { Registry } from 'prom-client';
import { CacheErrorCode } from '../core/errors';
import { NoopMetrics } from './noop.metrics';
import { PrometheusMetrics } from './prometheus.metrics';

/** The value of one series in exposition text, or `undefined` when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe(PrometheusMetrics, () => {
  describe('hit() / miss()', () => {
    it('should expose per-layer, per-namespace counters with the constant labels', async () => {
      const metrics = new PrometheusMetrics({ labels: { service: 'bid' } });
      for (let i = 0; i < 5; i++) metrics.hit('l1', 'bids');
      metrics.hit('l2', 'bids');
      metrics.miss('l1', 'bids');
      metrics.miss('l1', 'bids');
      metrics.miss('l2', 'bids');
      metrics.hit('l1', 'routes');
      const text = await metrics.registry.metrics();
      expect(text).toContain('# TYPE cache_hits_total counter');
      expect(sample(text, 'cache_hits_total{service="bid",layer="l1",namespace="bids"}')).toBe(5);
      expect(sample(text, 'cache_hits_total{service="bid",layer="l2",namespace="bids"}')).toBe(1);
      expect(sample(text, 'cache_misses_total{service="bid",layer="l1",namespace="bids"}')).toBe(2);
      expect(sample(text, 'cache_misses_total{service="bid",layer="l2",namespace="bids"}')).toBe(1);
      expect(sample(text, 'cache_hits_total{service="bid",layer="l1",namespace="routes"}')).toBe(1);
      // Every namespace exposes both layers, so rate(hits)/(rate(hits)+rate(misses)) never lacks a series.
      expect(sample(text, 'cache_misses_total{service="bid",layer="l1",namespace="routes"}')).toBe(0);
      // …but a layer never consulted has no series: that is how the alert rules tell an L1-only cache apart.
      expect(text).not.toContain('layer="l2",namespace="routes"');
    });

    it('should stay monotonic across scrapes, counting what happened in between', async () => {
      const metrics = new PrometheusMetrics();
      metrics.hit('l1', 'ns');
      metrics.hit('l1', 'ns');
      const first = sample(await metrics.registry.metrics(), 'cache_hits_total{layer="l1",namespace="ns"}');
      const again = sample(await metrics.registry.metrics(), 'cache_hits_total{layer="l1",namespace="ns"}');
      metrics.hit('l1', 'ns');
      metrics.hit('l1', 'other');
      metrics.hit('l1', 'ns');
      const third = sample(await metrics.registry.metrics(), 'cache_hits_total{layer="l1",namespace="ns"}');
      expect([first, again, third]).toEqual([2, 2, 4]);
    });
  });

  describe('bindL1()', () => {
    it('should read the L1 gauges live at each scrape', async () => {
      const metrics = new PrometheusMetrics();
      const size = { bytes: 100, entries: 2, maxBytes: 1024 };
      metrics.bindL1(() => size);
      let text = await metrics.registry.metrics();
      expect(sample(text, 'cache_l1_bytes')).toBe(100);
      expect(sample(text, 'cache_l1_entries')).toBe(2);
      expect(sample(text, 'cache_l1_max_bytes')).toBe(1024);
      size.bytes = 4096;
      size.entries = 7;
      text = await metrics.registry.metrics();
      expect(sample(text, 'cache_l1_bytes')).toBe(4096);
      expect(sample(text, 'cache_l1_entries')).toBe(7);
    });

    it('should keep the scrape working when the reader throws', async () => {
      const metrics = new PrometheusMetrics({ labels: { service: 'x' } });
      metrics.hit('l1', 'ns');
      metrics.bindL1(() => {
        throw new Error('boom');
      });
      const text = await metrics.registry.metrics();
      expect(sample(text, 'cache_hits_total{service="x",layer="l1",namespace="ns"}')).toBe(1);
      expect(sample(text, 'cache_l1_bytes{service="x"}')).toBeUndefined();
    });
  });

  describe('getLatency() / l2Call() / loader()', () => {
    it('should fill the latency histograms with the documented buckets and labels', async () => {
      const metrics = new PrometheusMetrics();
      metrics.getLatency('l1', 0.000008);
      metrics.getLatency('l2', 0.0007);
      metrics.getLatency('l2', 0.02);
      metrics.l2Call('get', 'ok', 0.0004);
      metrics.l2Call('get', 'timeout', 0.25);
      metrics.loader('bids', 'error', 0.3);
      const text = await metrics.registry.metrics();
      expect(sample(text, 'cache_get_duration_seconds_bucket{le="0.00001",served_by="l1"}')).toBe(1);
      expect(sample(text, 'cache_get_duration_seconds_bucket{le="0.001",served_by="l2"}')).toBe(1);
      expect(sample(text, 'cache_get_duration_seconds_bucket{le="0.025",served_by="l2"}')).toBe(2);
      expect(sample(text, 'cache_get_duration_seconds_bucket{le="0.1",served_by="l2"}')).toBe(2);
      expect(sample(text, 'cache_get_duration_seconds_count{served_by="l2"}')).toBe(2);
      expect(sample(text, 'cache_l2_duration_seconds_count{op="get",outcome="ok"}')).toBe(1);
      expect(sample(text, 'cache_l2_duration_seconds_count{op="get",outcome="timeout"}')).toBe(1);
      expect(sample(text, 'cache_loader_duration_seconds_count{namespace="bids",outcome="error"}')).toBe(1);
    });
  });

  describe('eviction() / invalidationSent() / invalidationReceived() / staleServed() / breaker()', () => {
    it('should count evictions, bus ops, bus lag, stale serves and the breaker state', async () => {
      const metrics = new PrometheusMetrics({ prefix: 'app_cache_' });
      metrics.eviction('evicted');
      metrics.eviction('evicted');
      metrics.eviction('expired');
      metrics.invalidationSent('keys');
      metrics.invalidationReceived('tags', 0.0015);
      metrics.invalidationReceived('tags', -0.002); // clock skew: clamped to 0
      metrics.staleServed('bids', 'grace');
      metrics.breaker('open');
      let text = await metrics.registry.metrics();
      expect(sample(text, 'app_cache_evictions_total{reason="evicted"}')).toBe(2);
      expect(sample(text, 'app_cache_evictions_total{reason="expired"}')).toBe(1);
      expect(sample(text, 'app_cache_evictions_total{reason="rejected"}')).toBe(0);
      expect(sample(text, 'app_cache_invalidations_sent_total{kind="keys"}')).toBe(1);
      expect(sample(text, 'app_cache_invalidations_received_total{kind="tags"}')).toBe(2);
      expect(sample(text, 'app_cache_bus_lag_seconds_bucket{le="0.001"}')).toBe(1);
      expect(sample(text, 'app_cache_bus_lag_seconds_bucket{le="0.002"}')).toBe(2);
      expect(sample(text, 'app_cache_stale_served_total{namespace="bids",reason="grace"}')).toBe(1);
      expect(sample(text, 'app_cache_circuit_breaker_state')).toBe(2);
      metrics.breaker('half_open');
      text = await metrics.registry.metrics();
      expect(sample(text, 'app_cache_circuit_breaker_state')).toBe(1);
      metrics.breaker('closed');
      expect(sample(await metrics.registry.metrics(), 'app_cache_circuit_breaker_state')).toBe(0);
      expect(sample(await metrics.registry.metrics(), 'app_cache_bus_live')).toBe(1);
      metrics.busLive(false);
      expect(sample(await metrics.registry.metrics(), 'app_cache_bus_live')).toBe(0);
    });
  });

  describe('constructor()', () => {
    it('should register on a given registry without touching its default labels', async () => {
      const registry = new Registry();
      const metrics = new PrometheusMetrics({ registry, labels: { service: 'routing' } });
      expect(metrics.registry).toBe(registry);
      metrics.hit('l1', 'ns');
      expect(await registry.metrics()).toContain(
        'cache_hits_total{service="routing",layer="l1",namespace="ns"} 1',
      );
      expect(registry.getMetricsAsArray().map((m) => m.name)).toEqual(
        expect.arrayContaining([
          'cache_circuit_breaker_state',
          'cache_get_duration_seconds',
          'cache_bus_lag_seconds',
        ]),
      );
    });

    it('should refuse a second sink with the same prefix on one registry, and a label it uses itself', () => {
      const registry = new Registry();
      new PrometheusMetrics({ registry });
      expect(() => new PrometheusMetrics({ registry })).toThrow(
        expect.objectContaining({ code: CacheErrorCode.InvalidOption }),
      );
      expect(() => new PrometheusMetrics({ registry, prefix: 'other_' })).not.toThrow();
      expect(() => new PrometheusMetrics({ labels: { layer: 'x' } })).toThrow(
        expect.objectContaining({ code: CacheErrorCode.InvalidOption }),
      );
    });
  });
});

describe(NoopMetrics, () => {
  describe('bindL1()', () => {
    it('should accept every call and never call the L1 reader', () => {
      const metrics = new NoopMetrics();
      const read = jest.fn(() => ({ bytes: 1, entries: 1, maxBytes: 1 }));
      metrics.bindL1(read);
      metrics.hit('l1', 'ns');
      metrics.miss('l2', 'ns');
      metrics.getLatency('l1', 1);
      metrics.l2Call('get', 'ok', 1);
      metrics.loader('ns', 'ok', 1);
      metrics.eviction('evicted');
      metrics.invalidationSent('all');
      metrics.invalidationReceived('all', 1);
      metrics.staleServed('ns', 'swr');
      metrics.breaker('open');
      expect(read).not.toHaveBeenCalled();
    });
  });
});
