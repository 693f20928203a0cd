import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

interface Summary {
  status: number | null;
  output: string;
}

/**
 * Runs the real Jest on one probe spec with the workspace's summary reporter, then the summary step of
 * `scripts/test.sh` (`tools/jest/summarize.js`) over what the reporter wrote, with Nx's exit status 0.
 */
function runAndSummarize(probe: string): Summary {
  const dir = mkdtempSync(join(tmpdir(), 'test-summary-'));
  try {
    const results = join(dir, 'results');
    writeFileSync(join(dir, 'probe.test.js'), probe);
    const config = {
      rootDir: dir,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/probe.test.js'],
      transform: {},
      reporters: [join(root, 'tools/jest/summary-reporter.js')],
    };
    const jest = spawnSync(
      process.execPath,
      [join(root, 'node_modules/jest/bin/jest.js'), '--config', JSON.stringify(config), '--ci'],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, JEST_SUMMARY_DIR: results } },
    );
    if (jest.status !== 0) throw new Error(`the probe run itself failed: ${jest.stderr}`);
    const summary = spawnSync(process.execPath, [join(root, 'tools/jest/summarize.js'), results, '0'], {
      encoding: 'utf8',
    });
    return { status: summary.status, output: summary.stdout + summary.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The probes are written to a temp file at run time: they are data here, not tests of this file.
const passing = "test('runs', () => expect(1).toBe(1));\n";

describe('test summary (tools/jest/summarize.js, scripts/test.sh)', () => {
  it('should fail the run when a test is skipped, although Jest itself exits 0', () => {
    const { status, output } = runAndSummarize(`${passing}test.skip('hidden', () => {});\n`);
    expect(status).toBe(1);
    expect(output).toMatch(/FAILED: 1 skipped and 0 todo/);
    expect(output).toMatch(/tests: 1 passed, 0 failed, 1 skipped/);
  });

  it('should fail the run when a test is left as todo', () => {
    const { status, output } = runAndSummarize(`${passing}test.todo('later');\n`);
    expect(status).toBe(1);
    expect(output).toMatch(/FAILED: 0 skipped and 1 todo/);
  });

  it('should pass the run when every test ran and passed', () => {
    const { status, output } = runAndSummarize(passing);
    expect(status).toBe(0);
    expect(output).toMatch(/tests: 1 passed, 0 failed$/m);
  });
});
