/** Hit rate of one cache layer of one service since it started (null before its first lookup). */
export interface LayerHitRate {
  hits: number;
  misses: number;
  rate: number | null;
}

/** One service's cache hit rates, as read from its `/metrics`. */
export interface ServiceHitRates {
  service: string;
  /** False when its `/metrics` could not be read (the others are still shown). */
  up: boolean;
  l1: LayerHitRate;
  l2: LayerHitRate;
  /** Lookups answered by L1 or L2, of all lookups. */
  overall: LayerHitRate;
}

/** Default scrape targets: the local services' ports (as `npm start` runs them). */
export const DEFAULT_METRICS_URLS =
  'bid=http://127.0.0.1:3101/metrics,routing=http://127.0.0.1:3102/metrics,' +
  'compliance=http://127.0.0.1:3103/metrics,analytics=http://127.0.0.1:3104/metrics';

/** `name=url,…` from `ANALYTICS_DASHBOARD_METRICS_URLS` (default {@link DEFAULT_METRICS_URLS}). */
export function metricsTargets(
  env: Readonly<Record<string, string | undefined>>,
): { service: string; url: string }[] {
  const raw = env['ANALYTICS_DASHBOARD_METRICS_URLS'] || DEFAULT_METRICS_URLS;
  return raw.split(',').map((pair) => {
    const at = pair.indexOf('=');
    const service = pair.slice(0, at).trim();
    const url = pair.slice(at + 1).trim();
    if (at <= 0 || !/^https?:\/\//.test(url)) {
      throw new Error(`ANALYTICS_DASHBOARD_METRICS_URLS: expected name=http(s)://…, got "${pair}"`);
    }
    return { service, url };
  });
}

const rate = (hits: number, misses: number): LayerHitRate => ({
  hits,
  misses,
  rate: hits + misses > 0 ? hits / (hits + misses) : null,
});

/**
 * The L1, L2 and overall hit rates in a Prometheus text exposition, from the engine's
 * `cache_hits_total{layer}` and `cache_misses_total{layer}` counters summed over namespaces.
 */
export function hitRatesFromMetrics(service: string, text: string): ServiceHitRates {
  const sums = { hits: { l1: 0, l2: 0 }, misses: { l1: 0, l2: 0 } };
  for (const line of text.split('\n')) {
    const match = /^cache_(hits|misses)_total\{([^}]*)\}\s+([0-9.eE+-]+)/.exec(line);
    if (!match) continue;
    const layer = /(?:^|,)layer="(l1|l2)"/.exec(match[2])?.[1] as 'l1' | 'l2' | undefined;
    if (layer) sums[match[1] as 'hits' | 'misses'][layer] += Number(match[3]);
  }
  const lookups = sums.hits.l1 + sums.misses.l1 || sums.hits.l2 + sums.misses.l2;
  const answered = sums.hits.l1 + sums.hits.l2;
  return {
    service,
    up: true,
    l1: rate(sums.hits.l1, sums.misses.l1),
    l2: rate(sums.hits.l2, sums.misses.l2),
    overall: rate(answered, Math.max(0, lookups - answered)),
  };
}

/** Reads every target's `/metrics` (1 s timeout each, in parallel); an unreachable one is `up: false`. */
export async function scrapeHitRates(
  targets: readonly { service: string; url: string }[],
): Promise<ServiceHitRates[]> {
  return Promise.all(
    targets.map(async ({ service, url }) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return hitRatesFromMetrics(service, await response.text());
      } catch {
        const none = rate(0, 0);
        return { service, up: false, l1: none, l2: none, overall: none };
      }
    }),
  );
}
