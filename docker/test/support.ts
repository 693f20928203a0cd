// Reading the repository's deploy files the way Docker does: Dockerfile instructions (continuations joined,
// comments dropped), compose.yaml with YAML merge keys and `${VAR:-default}` interpolation.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
// Installed (hoisted) but not yet a devDependency of the workspace: yaml@1.10.3 is requested as one; drop this then.
import YAML from 'yaml';

export const REPO_ROOT = join(__dirname, '../..');
export const DOCKER_DIR = join(REPO_ROOT, 'docker');
export const COMPOSE_FILE = join(DOCKER_DIR, 'compose.yaml');

/** The four service images, one Dockerfile each. */
export const SERVICES = ['bid', 'routing', 'compliance', 'analytics'] as const;
export type ServiceName = (typeof SERVICES)[number];

export const read = (relativePath: string): string => readFileSync(join(REPO_ROOT, relativePath), 'utf8');

/** Every `docker/*.Dockerfile` (the services' and the others, such as Varnish's). */
export const dockerfiles = (): string[] =>
  readdirSync(DOCKER_DIR)
    .filter((name) => name.endsWith('.Dockerfile'))
    .sort()
    .map((name) => join(DOCKER_DIR, name));

/** One Dockerfile instruction, with the build stage it belongs to (`FROM … AS <stage>`). */
export interface Instruction {
  keyword: string;
  args: string;
  stage: string;
}

/** The instructions of a Dockerfile, in order. */
export function parseDockerfile(path: string): Instruction[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  if (pending !== '') logical.push(pending.trim());
  let stage = '';
  let index = 0;
  return logical.map((text) => {
    const [keyword, ...rest] = text.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') stage = / AS (\S+)$/i.exec(args)?.[1] ?? `stage-${index++}`;
    return { keyword: keyword.toUpperCase(), args, stage };
  });
}

/** The instructions of the image's final stage (what ships). */
export function finalStage(path: string): Instruction[] {
  const all = parseDockerfile(path);
  const last = all[all.length - 1].stage;
  return all.filter((instruction) => instruction.stage === last);
}

/** `KEY=value KEY2=value2` of ENV instructions (no quoted spaces in ours). */
export function envOf(instructions: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of instructions) {
    if (keyword !== 'ENV') continue;
    for (const pair of args.split(/\s+/)) {
      const at = pair.indexOf('=');
      if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}

/** Compose's interpolation of one string: `$$`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`. */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g,
    (match, name, op, fallback) => {
      if (match === '$$') return '$';
      const set = env[name];
      if (op === ':-') return set === undefined || set === '' ? fallback : set;
      if (op === '-') return set === undefined ? fallback : set;
      return set ?? '';
    },
  );
}

const interpolateDeep = (node: unknown, env: Record<string, string | undefined>): unknown => {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((item) => interpolateDeep(item, env));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateDeep(v, env)]));
  }
  return node;
};

/** A compose service, the fields these checks read. */
export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  profiles?: string[];
  network_mode?: string;
  ports?: string[];
  command?: string[] | string;
  environment?: Record<string, string | number | boolean>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

/** compose.yaml as Compose reads it (merge keys resolved, variables interpolated from `env`). */
export function loadCompose(
  env: Record<string, string | undefined> = {},
  source = readFileSync(COMPOSE_FILE, 'utf8'),
): Record<string, unknown> & { services: Record<string, ComposeService> } {
  const parsed = YAML.parse(source, { merge: true }) as Record<string, unknown>;
  return interpolateDeep(parsed, env) as Record<string, unknown> & {
    services: Record<string, ComposeService>;
  };
}

/** Runs a tool; a missing one fails with how to install it (the stack script does). */
export function runTool(bin: string, args: string[], installHint: string): string {
  if (bin.includes('/') && !existsSync(bin)) {
    throw new Error(`${bin} is missing. ${installHint}`);
  }
  try {
    return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string; status?: number };
    if (failure.code === 'ENOENT') throw new Error(`${bin} is not installed. ${installHint}`);
    throw Object.assign(new Error(`${bin} ${args.join(' ')} exited ${failure.status}: ${failure.stderr}`), {
      stdout: failure.stdout,
      status: failure.status,
    });
  }
}

/** A default from scripts/stack/stack.sh, e.g. `stackDefault('PG_PORT')` → 15432 (from `${PG_PORT:-15432}`). */
export function stackDefault(variable: string): string {
  const match = new RegExp(`${variable}="\\$\\{${variable}:-([^}]+)\\}"`).exec(
    read('scripts/stack/stack.sh'),
  );
  if (!match) throw new Error(`scripts/stack/stack.sh has no default for ${variable}`);
  return match[1];
}

/** The services' default ports, from scripts/start.sh (`declare -A http=([bid]=3101 …)`). */
export function startPorts(kind: 'http' | 'grpc'): Record<ServiceName, number> {
  const match = new RegExp(`declare -A ${kind}=\\(([^)]*)\\)`).exec(read('scripts/start.sh'));
  if (!match) throw new Error(`scripts/start.sh declares no ${kind} ports`);
  const ports = Object.fromEntries(
    [...match[1].matchAll(/\[(\w+)\]=(\d+)/g)].map((m) => [m[1], Number(m[2])]),
  );
  for (const service of SERVICES) {
    if (!ports[service]) throw new Error(`scripts/start.sh has no ${kind} port for ${service}`);
  }
  return ports as Record<ServiceName, number>;
}
