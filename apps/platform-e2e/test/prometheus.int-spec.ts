import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { eventually } from '@platform/service-kit/testing';
import { exportedNames, metricNames } from './metric-names';
import { PrometheusServer, prometheusDir, renderScrapeConfig, startPrometheus } from './prometheus-server';
import { ServiceProcess, useIsolatedServices } from './service-process';

const SERVICES = ['bid', 'routing', 'compliance', 'analytics'] as const;
const dashboardsDir = join(__dirname, '../../../monitoring/grafana/dashboards');

interface Rule {
  name: string;
  query: string;
  type: 'alerting' | 'recording';
  health: string;
  lastError?: string;
  lastEvaluation: string;
  labels?: Record<string, string>;
  duration?: number;
  state?: string;
}
interface RuleGroup {
  name: string;
  file: string;
  rules: Rule[];
}
interface Alert {
  labels: Record<string, string>;
  state: string;
}
interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
}

/** Names Prometheus adds to every scrape itself: the only ones the services cannot export. */
const SCRAPE_NAMES = new Set(['up']);

const dashboards = readdirSync(dashboardsDir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, board: JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as Dashboard }));

/** Every query of a dashboard, with the panel it belongs to (rows nest panels). */
function panelQueries(board: Dashboard): { panel: string; expr: string }[] {
  const walk = (panels: Panel[]): { panel: string; expr: string }[] =>
    panels.flatMap((panel) => [
      ...(panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
      ...walk(panel.panels ?? []),
    ]);
  return walk(board.panels);
}

/** Grafana's variables, as Prometheus sees them once Grafana has substituted them (`All` is `.+`). */
const substituteVariables = (expr: string) => expr.replace(/\$service\b/g, '.+');

describe('Prometheus scraping the four services, with the repository rules and dashboards', () => {
  const services = useIsolatedServices('prom');
  let prometheus: PrometheusServer;
  const exported = new Set<string>();

  const service = (name: string): ServiceProcess => {
    const found = services.started.find((s) => s.name === name);
    if (!found) throw new Error(`${name} is not running`);
    return found;
  };

  beforeAll(async () => {
    // Two at a time: this machine has two cores.
    for (let i = 0; i < SERVICES.length; i += 2)
      await Promise.all(SERVICES.slice(i, i + 2).map((name) => services.start(name)));
    const targets = Object.fromEntries(services.started.map((s) => [s.name, new URL(s.httpUrl).host]));
    prometheus = await startPrometheus((selfAddress, dir) =>
      renderScrapeConfig({ selfAddress, targets, extraRulesGlob: join(dir, 'rules/*.yml'), interval: '1s' }),
    );
    for (const s of services.started) {
      const response = await fetch(`${s.httpUrl}/metrics`);
      expect(response.status).toBe(200);
      for (const name of exportedNames(await response.text())) exported.add(name);
    }
  }, 240000);

  afterAll(async () => {
    await prometheus?.stop();
  });

  it('should see every service and itself as an up target, each series labelled with its service', async () => {
    const health = await eventually(
      async () => {
        const answer = await prometheus.api<{
          activeTargets: { labels: Record<string, string>; health: string }[];
        }>('targets');
        const active = answer.data.activeTargets;
        return active.length === SERVICES.length + 1 && active.every((t) => t.health === 'up') && active;
      },
      20000,
      250,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${prometheus.output()}`);
    });
    expect(health.map((t) => t.labels['job']).sort()).toEqual([...SERVICES, 'prometheus'].sort());

    // Series the services label themselves (cache_*) and those the scrape config labels (kafka_*, outbox_*).
    for (const metric of ['cache_l1_max_bytes', 'outbox_relay_leader', 'dependency_up']) {
      const answer = await prometheus.query<{ result: { metric: Record<string, string> }[] }>(
        `count by (service) (${metric})`,
      );
      expect(answer.status).toBe('success');
      expect(answer.data.result.map((r) => r.metric['service']).sort()).toEqual([...SERVICES].sort());
    }
  }, 30000);

  it('should load every rule file and evaluate every rule and alert expression without error', async () => {
    const groups = await eventually(
      async () => {
        const answer = await prometheus.api<{ groups: RuleGroup[] }>('rules');
        const all = answer.data.groups;
        const evaluated = all.every((g) => g.rules.every((r) => !r.lastEvaluation.startsWith('0001')));
        return evaluated && all;
      },
      20000,
      250,
    );
    const files = readdirSync(join(prometheusDir, 'rules')).filter((f) => f.endsWith('.rules.yml'));
    expect(new Set(groups.map((g) => g.file.split('/').pop()))).toEqual(new Set(files));

    const rules = groups.flatMap((g) => g.rules);
    const broken = rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`);
    expect(broken).toEqual([]);
    const alerts = rules.filter((r) => r.type === 'alerting');
    expect(new Set(alerts.map((r) => r.name))).toEqual(
      new Set([
        'LowCacheHitRate',
        'HighEvictionRate',
        'CacheLatencyHigh',
        'InvalidationLagHigh',
        'CacheBusLagHigh',
        'KafkaConsumerLagHigh',
        'KafkaConsumerStalled',
        'KafkaEventsDeadLettered',
        'OutboxBacklogStale',
        'OutboxPublishFailing',
        'ServiceDown',
        'CacheCircuitBreakerOpen',
        'CacheBusSilent',
        'ServiceDependencyDown',
      ]),
    );
    for (const alert of alerts) {
      const answer = await prometheus.query(alert.query);
      expect({ alert: alert.name, status: answer.status, error: answer.error }).toEqual({
        alert: alert.name,
        status: 'success',
        error: undefined,
      });
    }
  }, 40000);

  it('should name in its rules only metrics the services export (or the rules record)', async () => {
    const answer = await prometheus.api<{ groups: RuleGroup[] }>('rules');
    const rules = answer.data.groups.flatMap((g) => g.rules);
    const recorded = new Set(rules.filter((r) => r.type === 'recording').map((r) => r.name));
    const unknown = rules.flatMap((rule) =>
      metricNames(rule.query)
        .filter((name) => !exported.has(name) && !recorded.has(name) && !SCRAPE_NAMES.has(name))
        .map((name) => `${rule.name}: ${name}`),
    );
    expect(unknown).toEqual([]);
    expect(exported.has('cache_hits_total')).toBe(true); // the scrape itself worked
  });

  it('should fire LowCacheHitRate when bid misses every lookup', async () => {
    // The real rule waits 10 minutes (`for: 10m`): the same expression with `for: 0s` proves it turns true on
    // the real metrics, while the real rule shows the alert pending.
    const answer = await prometheus.api<{ groups: RuleGroup[] }>('rules');
    const real = answer.data.groups
      .flatMap((g) => g.rules)
      .find((r) => r.name === 'LowCacheHitRate' && r.labels?.['scope'] === 'namespace');
    if (!real) throw new Error('no namespace-scoped LowCacheHitRate rule loaded');
    writeFileSync(
      join(prometheus.dir, 'rules/low-hit-rate-now.yml'),
      JSON.stringify({
        groups: [
          {
            name: 'e2e',
            rules: [
              { alert: 'LowCacheHitRate', expr: real.query, labels: { ...real.labels, e2e: 'for-0s' } },
            ],
          },
        ],
      }),
    );
    await prometheus.reload();

    // Unknown bids: every lookup misses L1 and L2 (404). The alert ignores namespaces under 1 lookup/s over
    // 5 minutes, so send 600 lookups (2/s over the window) after a first one has created the series.
    const bid = service('bid');
    const miss = () => fetch(`${bid.httpUrl}/bids/${randomUUID()}`).then((r) => r.status);
    expect(await miss()).toBe(404);
    await eventually(async () => {
      const result = await prometheus.query<{ result: unknown[] }>(
        'cache_misses_total{service="bid",namespace="bid",layer="l2"}',
      );
      return result.data.result.length > 0;
    }, 10000);
    for (let i = 0; i < 600; i += 10) {
      const statuses = await Promise.all(Array.from({ length: 10 }, miss));
      expect(statuses.every((status) => status === 404)).toBe(true);
    }

    const firing = await eventually(
      async () => {
        const alerts = (await prometheus.api<{ alerts: Alert[] }>('alerts')).data.alerts;
        const ours = alerts.filter(
          (a) => a.labels['alertname'] === 'LowCacheHitRate' && a.labels['service'] === 'bid',
        );
        const now = ours.find((a) => a.labels['e2e'] === 'for-0s' && a.state === 'firing');
        const pending = ours.find((a) => a.labels['e2e'] === undefined && a.state === 'pending');
        return now && pending && { now, pending };
      },
      20000,
      250,
    );
    expect(firing.now.labels).toMatchObject({ severity: 'warning', scope: 'namespace', namespace: 'bid' });
    expect(firing.pending.labels).toMatchObject({
      severity: 'warning',
      scope: 'namespace',
      namespace: 'bid',
    });
  }, 90000);

  describe('Grafana dashboards (monitoring/grafana/dashboards)', () => {
    it('should read metric names out of PromQL the way Prometheus does', () => {
      const expr =
        'histogram_quantile(0.99, sum by (service, le) (rate(a_bucket{x="y",z=~"b_c"}[5m] offset 1m))) ' +
        '/ on (service) group_left (namespace) b:rate5m > bool 1e3 unless sum without (le) (c) or d';
      expect(metricNames(expr).sort()).toEqual(['a_bucket', 'b:rate5m', 'c', 'd']);
    });

    it('should cover what the spec asks to watch', () => {
      const used = new Set(
        dashboards.flatMap(({ board }) => panelQueries(board).flatMap((q) => metricNames(q.expr))),
      );
      for (const name of [
        'cache_hits_total', // hit rate by layer
        'cache_misses_total', // miss rate by service
        'cache_evictions_total',
        'cache_l1_bytes',
        'cache_get_duration_seconds_bucket', // latency percentiles
        'invalidation_lag_seconds_bucket',
        'warming_duration_seconds_sum',
        'kafka_consumer_lag',
        'outbox_pending_events',
        'outbox_oldest_pending_age_seconds',
      ])
        expect(used).toContain(name);
    });

    it.each(dashboards)('$file: every panel query should parse in Prometheus', async ({ board }) => {
      const queries = panelQueries(board);
      expect(queries.length).toBeGreaterThan(10);
      for (const { panel, expr } of queries) {
        const substituted = substituteVariables(expr);
        expect({ panel, leftover: /\$\w+/.exec(substituted)?.[0] }).toEqual({ panel, leftover: undefined });
        const answer = await prometheus.query(substituted);
        expect({ panel, expr, status: answer.status, error: answer.error }).toEqual({
          panel,
          expr,
          status: 'success',
          error: undefined,
        });
      }
    });

    it.each(dashboards)(
      '$file: every metric it names should be one the services export',
      async ({ board }) => {
        const answer = await prometheus.api<{ groups: RuleGroup[] }>('rules');
        const recorded = new Set(
          answer.data.groups
            .flatMap((g) => g.rules)
            .filter((r) => r.type === 'recording')
            .map((r) => r.name),
        );
        const variables = board.templating.list
          .filter((v) => v.type === 'query')
          .map((v) => ({
            panel: `variable ${v.name}`,
            expr: /label_values\((\w+)/.exec(JSON.stringify(v.query))?.[1] ?? '',
          }));
        const unknown = [...panelQueries(board), ...variables].flatMap(({ panel, expr }) =>
          metricNames(expr)
            .filter((name) => !exported.has(name) && !recorded.has(name))
            .map((name) => `${panel}: ${name}`),
        );
        expect(variables.every((v) => v.expr !== '')).toBe(true);
        expect(unknown).toEqual([]);
      },
    );
  });
});
