import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// `yaml` is in node_modules through nx (and @nx/js) but not yet in package.json: asked for as a devDependency.
import { parseAllDocuments } from 'yaml';

/** The repository root, the chart, and the tools scripts/stack/helm.sh builds. */
export const ROOT = resolve(__dirname, '../..');
export const CHART = join(ROOT, 'k8s/platform');
export const BIN = join(ROOT, '.stack/bin');
export const SCHEMAS = join(ROOT, 'k8s/test/schemas');
export const PROFILES = ['dev', 'prod'] as const;
export type Profile = (typeof PROFILES)[number];
export const SERVICES = ['bid', 'routing', 'compliance', 'analytics'] as const;
export const RELEASE = 'platform';
export const NAMESPACE = 'platform';

/** A rendered Kubernetes object, loosely typed: tests read the fields they check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = Record<string, any>;

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

// helm keeps config and cache under $HOME by default: give it a throwaway home so tests never touch yours.
const helmHome = mkdtempSync(join(tmpdir(), 'k8s-helm-'));
const helmEnv = {
  ...process.env,
  HELM_CONFIG_HOME: join(helmHome, 'config'),
  HELM_CACHE_HOME: join(helmHome, 'cache'),
  HELM_DATA_HOME: join(helmHome, 'data'),
  // No cluster is involved: point kubectl config nowhere so a developer's context is never read.
  KUBECONFIG: join(helmHome, 'kubeconfig'),
};

/** Runs the repository's helm with `args`. */
export function helm(args: string[]): Run {
  const r = spawnSync(join(BIN, 'helm'), args, {
    cwd: ROOT,
    env: helmEnv,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `-f` arguments of a profile. */
export const profileArgs = (profile: Profile) => ['-f', join(CHART, `values-${profile}.yaml`)];

/** `helm template` of the chart with a profile and extra arguments; throws with helm's stderr on failure. */
export function renderText(profile: Profile, extra: string[] = [], chart = CHART): string {
  const r = helm(['template', RELEASE, chart, '--namespace', NAMESPACE, ...profileArgs(profile), ...extra]);
  if (r.status !== 0) throw new Error(`helm template (${profile}) failed:\n${r.stderr}`);
  return r.stdout;
}

/** Parses a multi-document YAML stream into objects, failing on any YAML error. */
export function parseManifests(text: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0].message}`);
    const value = doc.toJSON() as K8sObject | null;
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

/** Renders and parses a profile. */
export const render = (profile: Profile, extra: string[] = []): K8sObject[] =>
  parseManifests(renderText(profile, extra));

/** The objects of one kind. */
export const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

/** The object of `kind` for a service (named <release>-<service>), failing when it is missing. */
export function forService(objects: K8sObject[], kind: string, service: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === `${RELEASE}-${service}`);
  if (!found) throw new Error(`no ${kind} ${RELEASE}-${service} in the rendered chart`);
  return found;
}

export interface Conformance {
  resources: { kind: string; name: string; status: string; msg?: string }[];
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

/**
 * Validates a manifest stream with kubeconform against the Kubernetes and Prometheus Operator schemas this
 * repository ships (strict: unknown fields are errors; a kind without a schema is an error, never skipped).
 */
export function kubeconform(manifests: string): { run: Run; report: Conformance } {
  const r = spawnSync(
    join(BIN, 'kubeconform'),
    [
      '-strict',
      '-verbose',
      '-summary',
      '-output',
      'json',
      '-schema-location',
      join(SCHEMAS, 'kubernetes/{{ .ResourceKind }}{{ .KindSuffix }}.json'),
      '-schema-location',
      join(SCHEMAS, 'crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
      '-',
    ],
    { cwd: ROOT, input: manifests, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (r.error) throw r.error;
  const run = { status: r.status, stdout: r.stdout, stderr: r.stderr };
  let report: Conformance;
  try {
    report = JSON.parse(r.stdout) as Conformance;
  } catch {
    throw new Error(`kubeconform printed no JSON report (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return { run, report };
}

/** Every container spec (and init container) of Deployments and Jobs, with the owner's kind/name. */
export function containersOf(
  objects: K8sObject[],
): { owner: string; container: K8sObject; pod: K8sObject }[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'Job')
    .flatMap((o) => {
      const pod = o.spec.template.spec;
      return [...(pod.initContainers ?? []), ...pod.containers].map((container: K8sObject) => ({
        owner: `${o.kind}/${o.metadata.name}`,
        container,
        pod,
      }));
    });
}
