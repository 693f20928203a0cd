import { hitRatesFromMetrics, metricsTargets } from './cache-hit-rates';

describe('hitRatesFromMetrics()', () => {
  it('should sum hits and misses per layer over namespaces and derive the overall rate', () => {
    const text = [
      '# HELP cache_hits_total Cache hits',
      'cache_hits_total{layer="l1",namespace="bid",service="bid"} 60',
      'cache_hits_total{layer="l1",namespace="routing",service="bid"} 20',
      'cache_misses_total{layer="l1",namespace="bid",service="bid"} 20',
      'cache_hits_total{layer="l2",namespace="bid",service="bid"} 15',
      'cache_misses_total{layer="l2",namespace="bid",service="bid"} 5',
      'cache_hits_total_other{layer="l1"} 1000',
    ].join('\n');
    const rates = hitRatesFromMetrics('bid', text);
    expect(rates.l1).toEqual({ hits: 80, misses: 20, rate: 0.8 });
    expect(rates.l2).toEqual({ hits: 15, misses: 5, rate: 0.75 });
    expect(rates.overall).toEqual({ hits: 95, misses: 5, rate: 0.95 });
  });

  it('should report no rate before the first lookup', () => {
    expect(hitRatesFromMetrics('x', '').overall.rate).toBeNull();
  });
});

describe('metricsTargets()', () => {
  it('should parse name=url pairs and reject anything else', () => {
    expect(metricsTargets({ ANALYTICS_DASHBOARD_METRICS_URLS: 'a=http://h:1/metrics' })).toEqual([
      { service: 'a', url: 'http://h:1/metrics' },
    ]);
    expect(() => metricsTargets({ ANALYTICS_DASHBOARD_METRICS_URLS: 'a:http://h' })).toThrow(
      /ANALYTICS_DASHBOARD_METRICS_URLS/,
    );
  });
});
