import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort } from '@platform/service-kit/testing';

const workspaceRoot = join(__dirname, '../../..');
/** monitoring/prometheus of this checkout: the stack's scrape config, rules and their promtool tests. */
export const prometheusDir = join(workspaceRoot, 'monitoring/prometheus');

/** One answer of the Prometheus HTTP API (`/api/v1/...`). */
export interface ApiResponse<T = unknown> {
  status: 'success' | 'error';
  data: T;
  errorType?: string;
  error?: string;
}

/** A throwaway Debian `prometheus` process with its own port, data dir and config. */
export interface PrometheusServer {
  readonly url: string;
  /** Directory of the config, the data and `rules/` (extra rule files a test adds, then `reload()`s). */
  readonly dir: string;
  api<T = unknown>(path: string, params?: Record<string, string>): Promise<ApiResponse<T>>;
  /** Instant query; resolves with the API answer, errors included (a parse error is `status: 'error'`). */
  query<T = unknown>(expr: string): Promise<ApiResponse<T>>;
  /** Re-reads the config and every rule file (POST /-/reload). */
  reload(): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * The stack's `monitoring/prometheus/prometheus.yml`, rendered for a test the way `scripts/stack/prometheus.sh`
 * renders it for the stack: `targets` replace each job's default address (jobs not listed are dropped, e.g.
 * the Varnish exporter), the rule files are the repository's plus `<dir>/rules/*.yml`, and every interval is
 * `interval`.
 */
export function renderScrapeConfig(options: {
  selfAddress: string;
  targets: Record<string, string>;
  extraRulesGlob: string;
  interval: string;
}): string {
  const source = readFileSync(join(prometheusDir, 'prometheus.yml'), 'utf8');
  const [head, ...jobs] = source.split(/\n(?= {2}- job_name: )/);
  const kept = jobs.flatMap((block) => {
    const job = /- job_name: (\S+)/.exec(block)?.[1] ?? '';
    if (job === 'prometheus')
      return [block.replace(/targets: \['[^']+'\]/, `targets: ['${options.selfAddress}']`)];
    const address = options.targets[job];
    return address ? [block.replace(/targets: \['[^']+'\]/, `targets: ['${address}']`)] : [];
  });
  const missing = Object.keys(options.targets).filter(
    (job) => !kept.some((b) => b.includes(`- job_name: ${job}\n`)),
  );
  if (missing.length > 0) throw new Error(`prometheus.yml has no job for ${missing.join(', ')}`);
  const rendered = [head, ...kept]
    .join('\n')
    .replace(/(scrape_interval|evaluation_interval): \S+/g, `$1: ${options.interval}`)
    .replace(
      /- rules\/\*\.rules\.yml/,
      `- ${join(prometheusDir, 'rules')}/*.rules.yml\n  - ${options.extraRulesGlob}`,
    );
  if (!rendered.includes(options.extraRulesGlob))
    throw new Error('prometheus.yml has no rules/*.rules.yml entry');
  return rendered;
}

/** Starts `prometheus` on a free loopback port with `config(selfAddress, dir)`; fails clearly when it is missing. */
export async function startPrometheus(
  config: (selfAddress: string, dir: string) => string,
): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-e2e-'));
  mkdirSync(join(dir, 'rules'));
  const address = `127.0.0.1:${await freePort()}`;
  writeFileSync(join(dir, 'prometheus.yml'), config(address, dir));
  const url = `http://${address}`;

  let output = '';
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${address}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const failure = await Promise.race([
    spawnError,
    eventually(async () => (await fetch(`${url}/-/ready`)).ok, 30000, 200).then(() => undefined),
    exited.then(() => new Error(`prometheus exited during startup:\n${output}`)),
  ]).catch((error: Error) => error);
  if (failure !== undefined) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    if ((failure as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(
        'prometheus is not installed: run `npm run stack:up`, which installs Debian `prometheus`',
      );
    throw new Error(`prometheus did not become ready: ${failure.message}\n${output}`);
  }

  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<ApiResponse<T>> => {
    const response = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params)}`);
    return (await response.json()) as ApiResponse<T>;
  };
  return {
    url,
    dir,
    api,
    query: (expr) => api('query', { query: expr }),
    async reload() {
      const response = await fetch(`${url}/-/reload`, { method: 'POST' });
      if (!response.ok) throw new Error(`reload failed: ${response.status} ${await response.text()}`);
    },
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
