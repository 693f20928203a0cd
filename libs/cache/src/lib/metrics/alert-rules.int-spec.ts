import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const monitoring = join(__dirname, '../../../monitoring');

const promtool = (...args: string[]) => {
  try {
    return execFileSync('promtool', args, { cwd: monitoring, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('promtool is not installed: run `npm run stack:up`, which installs it');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
};

/** The spec's alert thresholds, as Prometheus rules, checked and unit-tested by promtool itself. */
describe('cache alert rules (monitoring/cache-alerts.rules.yml)', () => {
  it('should be valid Prometheus rules', () => {
    expect(promtool('check', 'rules', 'cache-alerts.rules.yml')).toContain('SUCCESS');
  });

  it('should fire LowCacheHitRate, HighEvictionRate and CacheLatencyHigh at the spec thresholds and not below', () => {
    const out = promtool('test', 'rules', 'cache-alerts.test.yml');
    expect(out).toContain('SUCCESS');
  });
});
