import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** monitoring/prometheus: prometheus.yml, rules/*.rules.yml and their promtool tests in tests/*.test.yml. */
const prometheusDir = join(__dirname, '../../../monitoring/prometheus');
const ruleFiles = readdirSync(join(prometheusDir, 'rules')).filter((file) => file.endsWith('.rules.yml'));
const testFiles = readdirSync(join(prometheusDir, 'tests')).filter((file) => file.endsWith('.test.yml'));

/** Runs promtool in monitoring/prometheus; a missing promtool fails with the command that installs it. */
const promtool = (...args: string[]) => {
  try {
    return execFileSync('promtool', args, { cwd: prometheusDir, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error(
        'promtool is not installed: run `npm run stack:up`, which installs Debian `prometheus`',
      );
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
};

/** The alert rules of every service, checked and unit-tested by promtool itself. */
describe('alert rules (monitoring/prometheus/rules)', () => {
  it('should have rule files, each with a promtool test file of the same name', () => {
    expect(ruleFiles.length).toBeGreaterThanOrEqual(5);
    for (const file of ruleFiles) expect(testFiles).toContain(file.replace(/\.rules\.yml$/, '.test.yml'));
  });

  it.each(ruleFiles)('should accept %s as valid Prometheus rules', (file) => {
    expect(promtool('check', 'rules', `rules/${file}`)).toMatch(/SUCCESS: \d+ rules found/);
  });

  it.each(testFiles)('should pass the promtool unit tests in %s', (file) => {
    expect(promtool('test', 'rules', `tests/${file}`)).toContain('SUCCESS');
  });

  it('should accept the stack scrape config (prometheus.yml) with every rule file it loads', () => {
    const out = promtool('check', 'config', 'prometheus.yml');
    expect(out).toContain('SUCCESS');
    for (const file of ruleFiles) expect(out).toContain(`rules/${file}`);
  });
});
