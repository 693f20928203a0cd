#!/usr/bin/env bash
# Prometheus for the local stack: Debian's `prometheus` scraping the four services and itself, plus Debian's
# `prometheus-varnish-exporter` in front of the stack's varnishd. Called by stack.sh (up/down/status/reset);
# runs alone too:
#
#   bash scripts/stack/prometheus.sh up|down|status|reset
#
# Config: monitoring/prometheus/prometheus.yml, rendered into .stack/prometheus/prometheus.yml with the ports
# below and the absolute path of monitoring/prometheus/rules/. `up` on a running Prometheus re-renders the
# config and reloads it (SIGHUP). Everything listens on 127.0.0.1 only; data, logs and pids in .stack/prometheus/.
#
# Ports (env, with defaults): PROMETHEUS_PORT=19090 VARNISH_EXPORTER_PORT=19131; the scraped services:
#   BID_HTTP_PORT=3101 ROUTING_HTTP_PORT=3102 COMPLIANCE_HTTP_PORT=3103 ANALYTICS_HTTP_PORT=3104
# VARNISH_WORK: varnishd's -n directory the exporter reads (stack.sh passes its own; default .stack/varnish/work).
set -euo pipefail
umask 022

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
STACK_DIR="$REPO_ROOT/.stack"
PROM_DIR="$STACK_DIR/prometheus"
PROM_CONFIG_SRC="$REPO_ROOT/monitoring/prometheus/prometheus.yml"
PROM_RULES_DIR="$REPO_ROOT/monitoring/prometheus/rules"
PROM_PID="$PROM_DIR/prometheus.pid"
PROM_LOG="$PROM_DIR/prometheus.log"
EXPORTER_PID="$PROM_DIR/varnish-exporter.pid"
EXPORTER_LOG="$PROM_DIR/varnish-exporter.log"

PROMETHEUS_PORT="${PROMETHEUS_PORT:-19090}"
VARNISH_EXPORTER_PORT="${VARNISH_EXPORTER_PORT:-19131}"
VARNISH_WORK="${VARNISH_WORK:-$STACK_DIR/varnish/work}"
PROM_RETENTION="${PROM_RETENTION:-2d}"
WAIT_SECS="${STACK_WAIT_SECS:-90}"
declare -A SERVICE_PORTS=(
  [bid]="${BID_HTTP_PORT:-3101}" [routing]="${ROUTING_HTTP_PORT:-3102}"
  [compliance]="${COMPLIANCE_HTTP_PORT:-3103}" [analytics]="${ANALYTICS_HTTP_PORT:-3104}"
)
# Default ports as written in monitoring/prometheus/prometheus.yml.
declare -A DEFAULT_PORTS=([bid]=3101 [routing]=3102 [compliance]=3103 [analytics]=3104)

# shellcheck source=common.sh
. "$SCRIPT_DIR/common.sh"

# ---------------------------------------------------------------- installation
ensure_installed() {
  local -a pkgs=()
  command -v prometheus >/dev/null && command -v promtool >/dev/null || pkgs+=(prometheus)
  command -v prometheus-varnish-exporter >/dev/null || pkgs+=(prometheus-varnish-exporter)
  command -v curl >/dev/null || pkgs+=(curl)
  ((${#pkgs[@]})) || return 0
  local sudo=""
  [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
  log "installing Debian packages: ${pkgs[*]}"
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq ||
    die "'apt-get update' failed (needed to install: ${pkgs[*]}); check network/apt sources"
  # On a systemd host the packages also enable their own services (:9090, :9131, all interfaces); ours are
  # separate loopback instances on other ports, so both can run.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
    --no-install-recommends "${pkgs[@]}" ||
    die "'apt-get install -y ${pkgs[*]}' failed; see the apt output above"
}

# ---------------------------------------------------------------- prometheus
prom_running() {
  local pid; pid="$(read_pid "$PROM_PID")"
  pid_alive "$pid" && [[ "$(cmdline_of "$pid")" == *"--config.file=$PROM_DIR/prometheus.yml "* ]]
}

# The repository config with this stack's ports and the absolute rules path.
prom_render_config() {
  local svc expr=()
  expr+=(-e "s#127\.0\.0\.1:19090#127.0.0.1:$PROMETHEUS_PORT#")
  expr+=(-e "s#127\.0\.0\.1:19131#127.0.0.1:$VARNISH_EXPORTER_PORT#")
  expr+=(-e "s#- rules/\*\.rules\.yml#- $PROM_RULES_DIR/*.rules.yml#")
  for svc in "${!SERVICE_PORTS[@]}"; do
    expr+=(-e "s#127\.0\.0\.1:${DEFAULT_PORTS[$svc]}'#127.0.0.1:${SERVICE_PORTS[$svc]}'#")
  done
  sed "${expr[@]}" "$PROM_CONFIG_SRC" >"$PROM_DIR/prometheus.yml.new"
  grep -q "$PROM_RULES_DIR" "$PROM_DIR/prometheus.yml.new" || die "prometheus: no rule_files entry in $PROM_CONFIG_SRC"
  promtool check config "$PROM_DIR/prometheus.yml.new" >"$PROM_DIR/check.log" 2>&1 ||
    die_with_log "prometheus: promtool rejects the rendered config" "$PROM_DIR/check.log"
  mv "$PROM_DIR/prometheus.yml.new" "$PROM_DIR/prometheus.yml"
}

prom_wait() {
  local t0=$SECONDS
  until curl -fsS -o /dev/null "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" 2>/dev/null; do
    # pid alive, not prom_running: right after the start the pid is still the bash that execs prometheus
    starting_alive "$PROM_PID" || die_with_log "prometheus: exited during startup" "$PROM_LOG"
    ((SECONDS - t0 < WAIT_SECS)) || die_with_log "prometheus: not ready after ${WAIT_SECS}s" "$PROM_LOG"
    sleep 0.5
  done
}

prom_up() {
  mkdir -p "$PROM_DIR/data"
  prom_render_config
  if prom_running; then
    kill -HUP "$(read_pid "$PROM_PID")"
    log "prometheus: already running (pid $(read_pid "$PROM_PID")), config reloaded"
  else
    require_free_port "$PROMETHEUS_PORT" PROMETHEUS_PORT prometheus
    log "prometheus: starting on 127.0.0.1:$PROMETHEUS_PORT"
    # New session so it survives the calling shell; the inner bash writes its pid, then becomes prometheus.
    rm -f "$PROM_PID"
    setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PROM_PID" \
      prometheus --config.file="$PROM_DIR/prometheus.yml" --storage.tsdb.path="$PROM_DIR/data" \
      --storage.tsdb.retention.time="$PROM_RETENTION" --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" \
      --web.enable-lifecycle >"$PROM_LOG" 2>&1 </dev/null 9>&- &
    for _ in $(seq 50); do [[ -s "$PROM_PID" ]] && break; sleep 0.1; done
  fi
  prom_wait
  log "prometheus: ok (http://127.0.0.1:$PROMETHEUS_PORT, $(prometheus --version 2>&1 | head -n1 | awk '{print $3}'))"
}

# ---------------------------------------------------------------- varnish exporter
exporter_running() {
  local pid; pid="$(read_pid "$EXPORTER_PID")"
  pid_alive "$pid" && [[ "$(cmdline_of "$pid")" == *"-web.listen-address 127.0.0.1:$VARNISH_EXPORTER_PORT"* ]]
}

# Started whether or not varnishd runs yet: it reads varnishstat on every scrape (its target is down until then).
exporter_up() {
  if exporter_running; then
    log "varnish exporter: already running (pid $(read_pid "$EXPORTER_PID"))"
    return 0
  fi
  require_free_port "$VARNISH_EXPORTER_PORT" VARNISH_EXPORTER_PORT "varnish exporter"
  log "varnish exporter: starting on 127.0.0.1:$VARNISH_EXPORTER_PORT (varnishd -n $VARNISH_WORK)"
  rm -f "$EXPORTER_PID"
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$EXPORTER_PID" \
    prometheus-varnish-exporter -n "$VARNISH_WORK" -web.listen-address "127.0.0.1:$VARNISH_EXPORTER_PORT" \
    >"$EXPORTER_LOG" 2>&1 </dev/null 9>&- &
  local t0=$SECONDS
  until port_listening "$VARNISH_EXPORTER_PORT"; do
    starting_alive "$EXPORTER_PID" || die_with_log "varnish exporter: exited during startup" "$EXPORTER_LOG"
    ((SECONDS - t0 < WAIT_SECS)) || die_with_log "varnish exporter: not listening after ${WAIT_SECS}s" "$EXPORTER_LOG"
    sleep 0.2
  done
  log "varnish exporter: ok (http://127.0.0.1:$VARNISH_EXPORTER_PORT/metrics)"
}

# ---------------------------------------------------------------- commands
stop_pidfile() { # <pidfile> <what>
  local pid; pid="$(read_pid "$1")"
  if pid_alive "$pid"; then
    log "$2: stopping (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid"; then log "$2: still running after 10s, SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$1"
}

cmd_up() {
  ensure_installed
  mkdir -p "$PROM_DIR"
  exporter_up
  prom_up
}

cmd_down() {
  prom_running && stop_pidfile "$PROM_PID" prometheus
  exporter_running && stop_pidfile "$EXPORTER_PID" "varnish exporter"
  return 0
}

cmd_status() {
  local rc=0
  if prom_running; then
    echo "prometheus running  port $PROMETHEUS_PORT  pid $(read_pid "$PROM_PID")"
  else echo "prometheus stopped  port $PROMETHEUS_PORT"; rc=1; fi
  if exporter_running; then
    echo "varnish-exporter running  port $VARNISH_EXPORTER_PORT  pid $(read_pid "$EXPORTER_PID")"
  else echo "varnish-exporter stopped  port $VARNISH_EXPORTER_PORT"; rc=1; fi
  return $rc
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  reset) cmd_down; rm -rf "$PROM_DIR"; log "reset done: prometheus" ;;
  *) echo "usage: $0 up|down|status|reset" >&2; exit 2 ;;
esac
