import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHART,
  NAMESPACE,
  PROFILES,
  Profile,
  RELEASE,
  helm,
  ofKind,
  parseManifests,
  profileArgs,
  renderText,
} from './chart';

/**
 * `helm template` runs helm's Install action in client-only mode: values are checked against
 * values.schema.json by the same call (`chartutil.ToRenderValues`) as in `helm install`, before anything is
 * rendered. (`helm install --dry-run=client` of helm 3.21 still asks a cluster for its version first, and CI has
 * none.)
 */
const template = (profile: Profile, extra: string[]) =>
  helm(['template', RELEASE, CHART, '--namespace', NAMESPACE, ...profileArgs(profile), ...extra]);

/** helm's stderr without its note that it followed the files/ symlinks. */
const errors = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => !line.includes('found symbolic link in path'))
    .join('\n');

describe('values.schema.json', () => {
  it.each(PROFILES)('should accept the %s profile', (profile) => {
    const r = template(profile, []);
    expect(errors(r.stderr)).toBe('');
    expect(r.stdout).toContain('kind: Deployment');
    expect(r.status).toBe(0);
  });

  // [what, extra helm arguments, fragments the schema error must contain]
  const bad: [string, string[], string[]][] = [
    ['an empty image tag', ['--set', 'image.tag='], ["at '/image/tag': minLength: got 0, want 1"]],
    ['a missing image tag', ['--set', 'image.tag=null'], ["at '/image': missing property 'tag'"]],
    ['negative replicas', ['--set', 'replicaCount=-1'], ["at '/replicaCount': minimum: got -1, want 0"]],
    [
      'negative replicas of one service',
      ['--set', 'services.bid.replicaCount=-2'],
      ["at '/services/bid/replicaCount': minimum: got -2, want 0"],
    ],
    ['an unknown top-level key', ['--set', 'replicas=3'], ["additional properties 'replicas' not allowed"]],
    [
      'a rate limit of no requests',
      ['--set', 'config.rateLimitPoints=0'],
      ["at '/config/rateLimitPoints': minimum: got 0, want 1"],
    ],
    [
      'a trust-proxy value that is neither a boolean nor a hop count',
      ['--set-string', 'config.httpTrustProxy=everyone'],
      ["at '/config/httpTrustProxy'"],
    ],
    [
      'an unknown nested key',
      ['--set', 'autoscaling.minReplica=3'],
      ["at '/autoscaling': additional properties 'minReplica' not allowed"],
    ],
    [
      'an unknown service',
      ['--set', 'services.billing.enabled=true'],
      ["at '/services': additional properties 'billing' not allowed"],
    ],
    [
      'a secret-looking env var set inline',
      ['--set', 'services.bid.env.DB_PASSWORD=hunter2'],
      ["invalid propertyName 'DB_PASSWORD'"],
    ],
    [
      'no existing Secret name',
      ['--set', 'secrets.existingSecret='],
      ["at '/secrets/existingSecret': minLength"],
    ],
    [
      'production without the phone-hash pepper key',
      ['--set', 'secrets.phoneHashPepperKey='],
      ["at '/secrets/phoneHashPepperKey': minLength: got 0, want 1"],
    ],
    [
      'a malformed Kafka bootstrap list',
      ['--set', 'config.kafkaBrokers=kafka'],
      ["at '/config/kafkaBrokers': 'kafka' does not match pattern"],
    ],
    [
      'cluster L2 without cluster nodes',
      ['--set', 'config.redisClusterNodes='],
      ["at '/config/redisClusterNodes': '' does not match pattern"],
    ],
    [
      'root as the user',
      ['--set', 'podSecurityContext.runAsUser=0'],
      ["at '/podSecurityContext/runAsUser': minimum"],
    ],
  ];

  it.each(bad)('should refuse %s with the schema message', (_what, extra, fragments) => {
    const r = template('prod', extra);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema(s)");
    for (const fragment of fragments) expect(r.stderr).toContain(fragment);
    expect(r.stdout).not.toContain('kind: Deployment');
  });
});

describe('dashboards ConfigMap', () => {
  let copy: string;

  beforeAll(() => {
    // A copy of the chart with one extra dashboard, as OBSERVE's files will arrive: the glob must pick it up.
    copy = mkdtempSync(join(tmpdir(), 'k8s-chart-'));
    cpSync(CHART, copy, { recursive: true, dereference: true });
    mkdirSync(join(copy, 'files/dashboards'), { recursive: true });
    writeFileSync(
      join(copy, 'files/dashboards/zz-test.json'),
      JSON.stringify({ title: 'zz test', panels: [] }),
    );
  });
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('should carry every files/dashboards/*.json under the grafana_dashboard label', () => {
    const objects = parseManifests(renderText('prod', [], copy));
    const [cm] = ofKind(objects, 'ConfigMap').filter((c) => c.metadata.name === `${RELEASE}-dashboards`);
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    expect(cm.data['zz-test.json']).toBe(readFileSync(join(copy, 'files/dashboards/zz-test.json'), 'utf8'));
  });

  it('should be left out when dashboards are disabled', () => {
    const objects = parseManifests(renderText('prod', ['--set', 'metrics.dashboards.enabled=false'], copy));
    expect(ofKind(objects, 'ConfigMap').filter((c) => c.metadata.name === `${RELEASE}-dashboards`)).toEqual(
      [],
    );
  });
});

describe('values.yaml', () => {
  const text = readFileSync(join(CHART, 'values.yaml'), 'utf8');
  const params = [...text.matchAll(/^\s*## @param (\S+) \S/gm)].map((m) => m[1]);
  const values = parseManifests(text)[0];

  /** Dotted paths of every key, down to scalars, lists and empty maps. */
  const paths = (node: unknown, prefix = ''): string[] =>
    node !== null && typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length > 0
      ? Object.entries(node).flatMap(([k, v]) => [`${prefix}${k}`, ...paths(v, `${prefix}${k}.`)])
      : [];

  it('should document every value with ## @param (itself or a parent)', () => {
    const undocumented = paths(values).filter(
      (p) => !params.some((param) => p === param || p.startsWith(`${param}.`) || param.startsWith(`${p}.`)),
    );
    expect(undocumented).toEqual([]);
  });

  it('should document only values that exist', () => {
    const all = new Set(paths(values));
    expect(params.filter((p) => !all.has(p))).toEqual([]);
  });
});
