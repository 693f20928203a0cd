import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What one run of `npm run dlq` printed and how it exited. */
export interface DlqCliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const workspaceRoot = (): string => {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) throw new Error('runDlqCli: no nx.json above ' + __dirname);
  }
};

/**
 * Runs the DLQ tool as an operator does (`npm run dlq -- <args>`: the same script, in a process of its own)
 * with `env` added to this process's environment, and resolves what it printed and its exit code.
 */
export function runDlqCli(args: readonly string[], env: Record<string, string> = {}): Promise<DlqCliRun> {
  const root = workspaceRoot();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '-r',
        join(root, 'tools/bench/swc-register.cjs'),
        join(root, 'libs/shared/service-kit/cli/dlq.ts'),
        ...args,
      ],
      { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
