// Writes each Jest project's totals to $JEST_SUMMARY_DIR/<project>.json so scripts/test.sh can print
// one "N passed, N failed" line for the whole workspace. Does nothing when the variable is unset.
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.name = path.basename(globalConfig.rootDir);
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const dir = process.env.JEST_SUMMARY_DIR;
    if (!dir) return;
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${this.rootDir.replace(/[^A-Za-z0-9]+/g, '_')}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        project: this.rootDir,
        passed: results.numPassedTests,
        failed: results.numFailedTests,
        skipped: results.numPendingTests,
        todo: results.numTodoTests,
        suitesFailed: results.numFailedTestSuites + (results.numRuntimeErrorTestSuites ?? 0),
        failures: failuresOf(this.rootDir, results),
      }),
    );
  }
}

// What failed, kept short: CI shows only the tail of the log, so the closing lines must name the failing tests.
function failuresOf(rootDir, results) {
  const out = [];
  for (const file of results.testResults) {
    const where = path.relative(rootDir, file.testFilePath);
    if (file.testExecError)
      out.push({
        where,
        test: '(suite did not run)',
        why: firstLine(file.failureMessage ?? file.testExecError.message),
      });
    for (const t of file.testResults) {
      if (t.status === 'failed') out.push({ where, test: t.fullName, why: firstLine(t.failureMessages[0]) });
    }
  }
  return out;
}

function firstLine(text = '') {
  // eslint-disable-next-line no-control-regex
  const plain = String(text).replace(/\u001b\[[0-9;]*m/g, '');
  return (plain.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 300);
}

module.exports = SummaryReporter;
