import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DOCKER_DIR, REPO_ROOT, dockerfiles, runTool } from './support';

// Pinned in scripts/stack/hadolint.sh, which installs it (npm test runs it through stack.sh up).
const VERSION = /^HADOLINT_VERSION=(\S+)$/m.exec(
  readFileSync(join(REPO_ROOT, 'scripts/stack/hadolint.sh'), 'utf8'),
)![1];
const HADOLINT = join(REPO_ROOT, '.stack/tools', `hadolint-${VERSION}`, 'bin/hadolint');
const INSTALL = 'Install it with `bash scripts/stack/hadolint.sh` (`npm test` does, through `stack.sh up`).';
const CONFIG = join(DOCKER_DIR, '.hadolint.yaml');

interface Finding {
  file: string;
  line: number;
  code: string;
  level: string;
  message: string;
}

/** hadolint's findings for a Dockerfile, with the repository's config; exit 1 only means "found some". */
function lint(path: string): Finding[] {
  let out: string;
  try {
    out = runTool(HADOLINT, ['--config', CONFIG, '--no-color', '--format', 'json', path], INSTALL);
  } catch (error) {
    const failure = error as { stdout?: string; status?: number };
    if (failure.status !== 1 || !failure.stdout) throw error;
    out = failure.stdout;
  }
  return JSON.parse(out) as Finding[];
}

describe('Dockerfiles (hadolint)', () => {
  it(`should run hadolint ${VERSION}, the pinned version`, () => {
    expect(runTool(HADOLINT, ['--version'], INSTALL)).toContain(`Haskell Dockerfile Linter ${VERSION}`);
  });

  it('should lint the four service images and the Varnish image', () => {
    expect(dockerfiles().map((path) => basename(path))).toEqual([
      'analytics.Dockerfile',
      'bid.Dockerfile',
      'compliance.Dockerfile',
      'routing.Dockerfile',
      'varnish.Dockerfile',
    ]);
  });

  it.each(dockerfiles().map((path) => [basename(path), path]))('should find nothing in %s', (_name, path) => {
    expect(lint(path).map((f) => `${basename(f.file)}:${f.line} ${f.code} ${f.level}: ${f.message}`)).toEqual(
      [],
    );
  });

  it('should report what it is there to catch (so a clean result means something)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hadolint-'));
    try {
      const bad = join(dir, 'bad.Dockerfile');
      writeFileSync(
        bad,
        'FROM node:latest\nRUN cd /app && npm install express\nUSER node\nCMD node main.js\n',
      );
      const codes = lint(bad).map((finding) => finding.code);
      // latest tag, cd instead of WORKDIR, unpinned npm install, shell-form CMD, non-numeric USER
      expect(codes).toEqual(expect.arrayContaining(['DL3007', 'DL3003', 'DL3016', 'DL3025', 'DL3066']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
