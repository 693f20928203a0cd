import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const moduleDir = join(__dirname, '..');
const buf = join(moduleDir, '../../node_modules/.bin/buf');

/** Runs `buf lint` in `dir` (a Buf module): its exit code and what it printed. */
function bufLint(dir: string): { status: number | null; output: string } {
  if (!existsSync(buf)) {
    throw new Error(`buf is missing at ${buf}: run npm ci (the @bufbuild/buf devDependency provides it)`);
  }
  const result = spawnSync(buf, ['lint'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the .proto contracts', () => {
  it('should pass buf lint, comments included (STANDARD + COMMENTS in buf.yaml)', () => {
    expect(readFileSync(join(moduleDir, 'buf.yaml'), 'utf8')).toMatch(/^\s+- COMMENTS$/m);
    const { status, output } = bufLint(moduleDir);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('should fail buf lint when a field, an rpc or an enum value loses its comment', () => {
    const copy = mkdtempSync(join(tmpdir(), 'proto-lint-'));
    try {
      cpSync(join(moduleDir, 'buf.yaml'), join(copy, 'buf.yaml'));
      cpSync(join(moduleDir, 'bid'), join(copy, 'bid'), { recursive: true });
      const file = join(copy, 'bid/v1/bid.proto');
      const source = readFileSync(file, 'utf8');
      const stripped = source
        .replace('  // External id of the bidding buyer.\n  string buyer_id = 3;', '  string buyer_id = 3;')
        .replace('  // Places a bid (status PENDING).\n', '')
        .replace('  // Got the call.\n', '');
      expect(stripped).not.toBe(source);
      writeFileSync(file, stripped);
      const { status, output } = bufLint(copy);
      expect(status).not.toBe(0);
      expect(output).toContain('Field "buyer_id" should have a non-empty comment');
      expect(output).toContain('RPC "CreateBid" should have a non-empty comment');
      expect(output).toContain('Enum value "BID_STATUS_WON" should have a non-empty comment');
      expect(output.trim().split('\n')).toHaveLength(3);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
