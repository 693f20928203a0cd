import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../../..');
const eslintBin = join(root, 'node_modules/eslint/bin/eslint.js');

/** One ESLint message, as the JSON formatter prints it. */
export interface LintMessage {
  ruleId: string | null;
  message: string;
}

/**
 * Lints `code` with the real ESLint CLI and the root config, as if it were the file at `path` (relative to the
 * workspace root), and returns the messages of the given rules. (The CLI, not the Node API: Jest's VM cannot load the
 * ESM config.)
 */
export function lintMessages(path: string, code: string, ...ruleIds: string[]): string[] {
  const run = spawnSync(
    process.execPath,
    [eslintBin, '--stdin', '--stdin-filename', join(root, path), '--format', 'json', '--no-warn-ignored'],
    { cwd: root, input: code, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } },
  );
  if (run.status !== 0 && run.status !== 1) throw new Error(`eslint failed (${run.status}): ${run.stderr}`);
  const [result] = JSON.parse(run.stdout) as { messages: LintMessage[] }[];
  return result.messages
    .filter((message) => message.ruleId !== null && ruleIds.includes(message.ruleId))
    .map((message) => message.message);
}
