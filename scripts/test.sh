#!/usr/bin/env bash
# npm test: unit and integration tests of every project against the real local stack, which it starts.
# Extra arguments go to `nx run-many` (e.g. `npm test -- -p bid-feature`).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ensure_node_modules
ensure_stack

results="$ROOT/tmp/test-results"
rm -rf "$results" && mkdir -p "$results"
say "Running tests (nx run-many -t test)"
status=0
JEST_SUMMARY_DIR="$results" npx nx run-many -t test --parallel=2 --outputStyle=stream "$@" || status=$?

# One plain closing line for CI, summed over every Jest project that ran.
node -e '
  const fs = require("fs"), path = require("path"), dir = process.argv[1];
  let passed = 0, failed = 0, skipped = 0, suitesFailed = 0;
  for (const f of fs.readdirSync(dir)) {
    const r = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
    passed += r.passed; failed += r.failed; skipped += r.skipped; suitesFailed += r.suitesFailed;
  }
  if (suitesFailed > 0 && failed === 0) failed = suitesFailed;
  // A task can fail with no failing test (no tests found, a build error, a crash): never report 0 failed then.
  if (process.argv[2] !== "0" && failed === 0) {
    failed = 1;
    console.log("A test task failed without a failing test (see the Nx summary above).");
  }
  console.log(`tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results" "$status"
exit "$status"
