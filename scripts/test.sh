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

# One plain closing line for CI, summed over every Jest project that ran; skipped or todo tests fail the run.
node "$ROOT/tools/jest/summarize.js" "$results" "$status" || status=1
exit "$status"
