#!/usr/bin/env bash
# Helpers shared by the stack scripts (stack.sh, prometheus.sh, hadolint.sh, helm.sh); sourced, never run.
# Messages are prefixed with STACK_LOG_TAG (default "stack"); set it before sourcing.

STACK_LOG_TAG="${STACK_LOG_TAG:-stack}"

log() { printf '[%s] %s\n' "$STACK_LOG_TAG" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$STACK_LOG_TAG" "$*" >&2; exit 1; }
is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Show the tail of a server log, then fail.
die_with_log() { # <message> <logfile>
  printf '[%s] ERROR: %s\n' "$STACK_LOG_TAG" "$1" >&2
  if [[ -f "$2" ]]; then
    printf '[%s] ---- last 30 lines of %s ----\n' "$STACK_LOG_TAG" "$2" >&2
    tail -n 30 "$2" >&2 || true
    printf '[%s] ----\n' "$STACK_LOG_TAG" >&2
  fi
  exit 1
}

# Is something listening on 127.0.0.1:<port>?
port_listening() {
  (: <>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
  command -v ss >/dev/null && [[ -n "$(ss -ltnH "( sport = :$1 )" 2>/dev/null)" ]]
}

# Fail with a clear message when a port we need is held by someone else.
require_free_port() { # <port> <env var> <what>
  port_listening "$1" || return 0
  local holder="(install iproute2 for details: ss -ltnp)"
  command -v ss >/dev/null && holder="$(ss -ltnpH "( sport = :$1 )" 2>/dev/null || true)"
  die "cannot start $3: port $1 on 127.0.0.1 is already in use by another process.
  Choose another port with $2=<port> (e.g. $2=$(($1 + 100)) bash scripts/stack/stack.sh up), or stop that process.
  Held by: ${holder:-unknown}"
}

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }
read_pid() { [[ -f "$1" ]] && head -n1 "$1" | tr -dc '0-9' || true; }
# While starting: the child writes its pid file a moment after it is launched; until then it counts as alive.
starting_alive() { [[ ! -s "$1" ]] || pid_alive "$(read_pid "$1")"; }
cmdline_of() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }
