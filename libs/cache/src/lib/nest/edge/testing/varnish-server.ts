import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findOnPath, freePort } from '../../../testing/local-process';

/** The repository's VCL, the one `npm run stack:up` runs. */
export const REPO_VCL = resolve(__dirname, '../../../../../edge/varnish/default.vcl');

/** A throwaway `varnishd` started by {@link startVarnish}. */
export interface VarnishHandle {
  /** `http://127.0.0.1:<port>` of its listener. */
  readonly url: string;
  readonly port: number;
  /** Stops varnishd (SIGTERM, SIGKILL after 5 s) and removes its working directory. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startVarnish}. */
export interface StartVarnishOptions {
  /** Port of the app every backend of the VCL is pointed at. */
  readonly backendPort: number;
  /** Listener name, which selects the backend in the VCL. Default `bid`. */
  readonly listener?: string;
  /** VCL to render. Default: the repository's. */
  readonly vclPath?: string;
}

/**
 * The repository VCL with every backend pointed at `backendPort`, so a spec exercises the real edge rules
 * (xkey purge, private responses, X-Cache) in front of its own fixture app.
 */
export function renderVcl(backendPort: number, vclPath = REPO_VCL): string {
  const vcl = readFileSync(vclPath, 'utf8');
  const rendered = vcl.replace(/\.port = "\d+";/g, `.port = "${backendPort}";`);
  if (rendered === vcl) throw new Error(`renderVcl: no backend port found in ${vclPath}`);
  return rendered;
}

/**
 * Starts `varnishd` in the foreground (its own `-n` working directory, a free loopback port, 32 MB of
 * memory storage) with the repository VCL pointed at the fixture app, and waits until it answers. Fails
 * with the install command when Varnish is missing.
 */
export async function startVarnish(options: StartVarnishOptions): Promise<VarnishHandle> {
  const varnishd = findOnPath('varnishd', ['/usr/sbin', '/usr/local/sbin']);
  if (varnishd === undefined) {
    throw new Error(
      'varnishd not found: run `npm run stack:up` (it installs Varnish) or `apt-get install -y varnish varnish-modules`',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'varnish-spec-'));
  // varnishd compiles the VCL as its unprivileged user (vcache) when started as root.
  await chmod(dir, 0o755);
  const vclFile = join(dir, 'default.vcl');
  await writeFile(vclFile, renderVcl(options.backendPort, options.vclPath), { mode: 0o644 });
  const port = await freePort();
  const args = [
    '-F',
    '-n',
    join(dir, 'work'),
    '-f',
    vclFile,
    '-a',
    `${options.listener ?? 'bid'}=127.0.0.1:${port}`,
    '-T',
    '127.0.0.1:0',
    '-s',
    'malloc,32m',
    // Backend connections are not reused across tests' fixture apps.
    '-p',
    'backend_idle_timeout=1',
  ];
  if (process.getuid?.() !== 0) args.push('-j', 'none');
  const child = spawn(varnishd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const handle: VarnishHandle = { url, port, stop: () => stop(child, dir) };
  try {
    await waitReady(url, child, () => output);
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return handle;
}

/** A PURGE of a key nothing carries: answered by the VCL itself, no backend needed. */
async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`varnishd exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(url, { method: 'PURGE', headers: { 'xkey-purge': 'readiness-probe' } });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`varnishd did not answer on ${url} within 20 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  await rm(dir, { recursive: true, force: true });
}
