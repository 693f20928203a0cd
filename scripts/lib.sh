# Shared helpers for scripts/*.sh. Source it; do not run it.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES=(bid routing compliance analytics)
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Installs node_modules when missing or older than the lockfile (a fresh clone, or after a pull).
ensure_node_modules() {
  cd "$ROOT"
  command -v node >/dev/null || die "Node.js 20.19+ is required (node not found)"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
    || die "Node.js 20.19+ is required (found $(node --version))"
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "Installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund
  fi
}

# Starts (or confirms) Postgres, Redis, the Redis Cluster and Kafka, then exports their settings.
ensure_stack() {
  say "Starting the local stack (Postgres, Redis, Redis Cluster, Kafka, Varnish)"
  bash "$ROOT/scripts/stack/stack.sh" up
  load_stack_env
}

load_stack_env() {
  [ -f "$ROOT/.stack/stack.env" ] || die ".stack/stack.env is missing: run npm run stack:up"
  set -a
  # shellcheck disable=SC1091
  . "$ROOT/.stack/stack.env"
  set +a
}
