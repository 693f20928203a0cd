#!/usr/bin/env bash
# npm run test:fuzz: generated requests against every REST route of the four services (real processes on the
# local stack, loopback only): 0 responses >= 500 and every 400 naming a field. FUZZ_SEED replays a run,
# FUZZ_PER_ROUTE sets the budget (200 by default).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ensure_node_modules
ensure_stack
say "Building the four services"
npx nx run-many -t build -p bid routing compliance analytics --parallel=2 --outputStyle=static
say "Fuzzing every REST route"
node -r "$ROOT/tools/bench/swc-register.cjs" "$ROOT/apps/platform-e2e/fuzz/run-fuzz.ts"
