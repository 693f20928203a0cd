import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/**
 * Starts a TypeScript file as a real child process (through tsx, with the cache project's tsconfig) with an
 * IPC channel, for the specs that need a second process.
 */
export function forkTsx(file: string, env: Record<string, string> = {}): ChildProcess {
  return fork(file, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, TSX_TSCONFIG_PATH: join(__dirname, '../../tsconfig.json'), ...env },
  });
}
