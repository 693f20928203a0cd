// Sums the per-project Jest summaries that summary-reporter.js wrote to <dir> and prints one closing line for
// CI. Exits non-zero when a test failed, a task failed (<status> is `nx run-many`'s exit code), or any test was
// skipped or left as todo: a skipped test is a test nobody runs, and it must not read as a green run.
// Usage: node tools/jest/summarize.js <dir> <status>
const fs = require('node:fs');
const path = require('node:path');

const [dir, status = '0'] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
let todo = 0;
let suitesFailed = 0;
const failures = [];
for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.endsWith('.json')) : []) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  passed += r.passed;
  failed += r.failed;
  skipped += r.skipped;
  todo += r.todo ?? 0;
  suitesFailed += r.suitesFailed;
  for (const f of r.failures ?? []) failures.push({ project: path.relative(process.cwd(), r.project), ...f });
}
for (const f of failures) console.log(`FAILED ${f.project}/${f.where} › ${f.test}\n    ${f.why}`);
if (suitesFailed > 0 && failed === 0) failed = suitesFailed;
// A task can fail with no failing test (no tests found, a build error, a crash): never report 0 failed then.
if (status !== '0' && failed === 0) {
  failed = 1;
  console.log('A test task failed without a failing test (see the Nx summary above).');
}
if (skipped + todo > 0) {
  console.log(
    `FAILED: ${skipped} skipped and ${todo} todo test(s); every registered test must run (remove the .skip/.todo, or the test).`,
  );
}
console.log(
  `tests: ${passed} passed, ${failed} failed` +
    (skipped ? `, ${skipped} skipped` : '') +
    (todo ? `, ${todo} todo` : ''),
);
process.exit(failed > 0 || skipped + todo > 0 ? 1 : 0);
