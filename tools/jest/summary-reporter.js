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
      }),
    );
  }
}

module.exports = SummaryReporter;
