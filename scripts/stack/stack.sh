#!/usr/bin/env bash
# Local infrastructure stack for the monorepo, without Docker.
#
#   bash scripts/stack/stack.sh up|down|status|reset [postgres redis cluster kafka varnish]
#
# Components (default: all of them):
#   postgres  PostgreSQL 15, db/role "platform" + schemas bid, routing, compliance, analytics
#   redis     Redis standalone
#   cluster   Redis Cluster, 6 nodes (3 masters + 3 replicas)
#   kafka     Apache Kafka (KRaft, single broker+controller), jars from tools/kafka/pom.xml
#   varnish   Varnish (the L3 edge) with the xkey vmod: one listener per service in front of its REST port,
#             VCL from libs/cache/edge/varnish/default.vcl
#
# Everything listens on 127.0.0.1 only. Data, logs and pids live in <repo>/.stack/
# (git-ignored). Missing Debian packages are installed with apt-get (needs root or sudo).
# After `up`, connection settings are in .stack/stack.env.
#
# Ports (env, with defaults):
#   PG_PORT=15432 REDIS_PORT=16379 REDIS_CLUSTER_BASE_PORT=17001 (nodes BASE..BASE+5,
#   or REDIS_CLUSTER_PORTS="17001 ... 17006") KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093
#   VARNISH_PORT=16081 (listeners bid, routing, compliance, analytics on PORT..PORT+3) VARNISH_ADMIN_PORT=16080;
#   Varnish's backends: BID_HTTP_PORT=3101 ROUTING_HTTP_PORT=3102 COMPLIANCE_HTTP_PORT=3103 ANALYTICS_HTTP_PORT=3104
# Note: cluster ports are recorded in each node's nodes.conf; after changing them run
# `stack.sh reset cluster`.
set -euo pipefail
umask 022

# ---------------------------------------------------------------- settings
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
STACK_DIR="$REPO_ROOT/.stack"

PG_PORT="${PG_PORT:-15432}"
REDIS_PORT="${REDIS_PORT:-16379}"
REDIS_CLUSTER_BASE_PORT="${REDIS_CLUSTER_BASE_PORT:-17001}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
VARNISH_PORT="${VARNISH_PORT:-16081}"
VARNISH_ADMIN_PORT="${VARNISH_ADMIN_PORT:-16080}"
VARNISH_SERVICES=(bid routing compliance analytics) # listener i = VARNISH_PORT + i, backend <SERVICE>_HTTP_PORT
declare -A VARNISH_BACKEND_PORTS=(
  [bid]="${BID_HTTP_PORT:-3101}" [routing]="${ROUTING_HTTP_PORT:-3102}"
  [compliance]="${COMPLIANCE_HTTP_PORT:-3103}" [analytics]="${ANALYTICS_HTTP_PORT:-3104}"
)
if [[ -n "${REDIS_CLUSTER_PORTS:-}" ]]; then
  read -r -a CLUSTER_PORTS <<<"${REDIS_CLUSTER_PORTS//,/ }"
else
  CLUSTER_PORTS=()
  for i in 0 1 2 3 4 5; do CLUSTER_PORTS+=($((REDIS_CLUSTER_BASE_PORT + i))); done
fi
[[ ${#CLUSTER_PORTS[@]} -eq 6 ]] || { echo "stack: REDIS_CLUSTER_PORTS must list exactly 6 ports" >&2; exit 2; }

WAIT_SECS="${STACK_WAIT_SECS:-90}" # bounded wait for each server to become healthy

# Postgres runs as the postgres user, which must be able to reach its files. When the repo sits where that
# user cannot go (a clone under /root, say), they live in a per-repo folder under /var/lib instead: we do
# not widen permissions on the user's own directories.
pg_resolve_dir() {
  PG_DIR="$STACK_DIR/postgres"
  if [[ $EUID -eq 0 ]] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$REPO_ROOT" 2>/dev/null; then
    PG_DIR="/var/lib/platform-stack/$(printf '%s' "$REPO_ROOT" | sha1sum | cut -c1-12)/postgres"
  fi
  PG_DATA="$PG_DIR/data"
  PG_LOG="$PG_DIR/postgres.log"
  PG_SOCK="$PG_DIR/run" # unix socket dir (socket paths are limited to ~107 chars)
  if ((${#PG_SOCK} > 90)); then PG_SOCK="/tmp/stack-pg-$PG_PORT"; fi
}
pg_resolve_dir
PG_DB=platform PG_USER=platform PG_PASSWORD=platform
PG_SCHEMAS=(bid routing compliance analytics)

REDIS_DIR="$STACK_DIR/redis"
CLUSTER_DIR="$STACK_DIR/redis-cluster"

KAFKA_POM="$REPO_ROOT/tools/kafka/pom.xml"
KAFKA_DIR="$STACK_DIR/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs" # downloaded jars (kept by `reset`)
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_PID="$KAFKA_DIR/kafka.pid"
KAFKA_LOG="$KAFKA_DIR/kafka.log" # log4j2 output
KAFKA_OUT="$KAFKA_DIR/kafka.out" # JVM stdout/stderr (early crashes)
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx768m}"

VARNISH_VCL_SRC="$REPO_ROOT/libs/cache/edge/varnish/default.vcl"
VARNISH_MEMORY="${VARNISH_MEMORY:-128m}"
# varnishd (started as root) compiles the VCL as its unprivileged user: like Postgres, its files live under
# /var/lib when that user cannot reach the repo.
varnish_resolve_dir() {
  VARNISH_DIR="$STACK_DIR/varnish"
  if [[ $EUID -eq 0 ]] && id vcache >/dev/null 2>&1 && ! runuser -u vcache -- test -x "$REPO_ROOT" 2>/dev/null; then
    VARNISH_DIR="/var/lib/platform-stack/$(printf '%s' "$REPO_ROOT" | sha1sum | cut -c1-12)/varnish"
  fi
  VARNISH_WORK="$VARNISH_DIR/work" # varnishd -n: shared memory log, compiled VCL, admin secret
  VARNISH_PID="$VARNISH_DIR/varnishd.pid"
}
varnish_resolve_dir

ALL_COMPONENTS=(postgres redis cluster kafka varnish)
export DEBIAN_FRONTEND=noninteractive

# ---------------------------------------------------------------- helpers
# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SUDO=""
is_root || SUDO="sudo"

# Run a command as the postgres system user when we are root (postgres refuses to run as root).
as_pg() { if is_root; then runuser -u postgres -- "$@"; else "$@"; fi; }

# ---------------------------------------------------------------- installation
pg_bin_dir() { # newest installed server (Debian 12: 15)
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  echo "${PG_BIN:-$d}"
}

# Install missing Debian packages / Kafka jars for the requested components.
ensure_installed() {
  local -a pkgs=()
  command -v ss >/dev/null || pkgs+=(iproute2) # only for port diagnostics
  # promtool checks and unit-tests the alert rules (monitoring/prometheus); prometheus.sh runs the server.
  command -v promtool >/dev/null || pkgs+=(prometheus)
  # Headless browser for the analytics dashboard's page test (playwright-core drives it); no server is started.
  command -v chromium >/dev/null || pkgs+=(chromium)
  if want postgres; then
    local bin; bin="$(pg_bin_dir)"
    [[ -n "$bin" && -x "$bin/initdb" ]] && command -v psql >/dev/null || pkgs+=(postgresql)
  fi
  if want redis || want cluster; then
    command -v redis-server >/dev/null || pkgs+=(redis-server)
    command -v redis-cli >/dev/null || pkgs+=(redis-tools)
  fi
  if want kafka; then
    command -v java >/dev/null || pkgs+=(openjdk-17-jre-headless)
    command -v mvn >/dev/null || pkgs+=(maven)
  fi
  if want varnish; then
    varnishd_bin >/dev/null || pkgs+=(varnish)
    ls /usr/lib/*/varnish/vmods/libvmod_xkey.so >/dev/null 2>&1 || pkgs+=(varnish-modules)
  fi
  if ((${#pkgs[@]})); then
    log "installing Debian packages: ${pkgs[*]}"
    is_root || command -v sudo >/dev/null || die "need root (or sudo) to install: ${pkgs[*]}"
    $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq ||
      die "'apt-get update' failed (needed to install: ${pkgs[*]}); check network/apt sources"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
      --no-install-recommends "${pkgs[@]}" ||
      die "'apt-get install -y ${pkgs[*]}' failed; see the apt output above"
  fi
  if want kafka; then
    local jv
    jv="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
    [[ "${jv:-0}" -ge 17 ]] || die "Kafka needs Java 17+, found '$(java -version 2>&1 | head -n1)'"
    ensure_kafka_jars
  fi
}

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM" | head -n1; }

# Copy the Kafka jars of the pinned version into .stack/kafka/libs (skipped when present).
ensure_kafka_jars() {
  local ver; ver="$(kafka_version)"
  [[ -n "$ver" ]] || die "cannot read <kafka.version> from $KAFKA_POM"
  if [[ "$(cat "$KAFKA_LIBS/.version" 2>/dev/null)" == "$ver" && -f "$KAFKA_LIBS/kafka_2.13-$ver.jar" ]]; then
    return 0
  fi
  log "fetching Kafka $ver jars with Maven (first time only)"
  rm -rf "$KAFKA_LIBS" && mkdir -p "$KAFKA_LIBS"
  mkdir -p "$KAFKA_DIR"
  mvn -q -B -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
    -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime >"$KAFKA_DIR/mvn.log" 2>&1 ||
    die_with_log "Maven could not fetch the Kafka jars: 'mvn -B -f $KAFKA_POM dependency:copy-dependencies' failed" "$KAFKA_DIR/mvn.log"
  echo "$ver" >"$KAFKA_LIBS/.version"
}

# ---------------------------------------------------------------- postgres
pg_running() { [[ -f "$PG_DATA/postmaster.pid" ]] && as_pg "$(pg_bin_dir)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }
pg_pid() { read_pid "$PG_DATA/postmaster.pid"; }

pg_up() {
  local bin; bin="$(pg_bin_dir)"
  pg_resolve_dir # again: the postgres user may have been created by the install just now
  mkdir -p "$PG_DIR" "$PG_SOCK"
  is_root && chown postgres:postgres "$PG_DIR" "$PG_SOCK"
  [[ "$PG_DIR" == "$STACK_DIR/postgres" ]] || log "postgres: files in $PG_DIR (the postgres user cannot reach $REPO_ROOT)"

  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "postgres: initdb $PG_DATA"
    as_pg "$bin/initdb" -D "$PG_DATA" -U postgres -E UTF8 --no-locale \
      --auth-local=peer --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1 ||
      die_with_log "postgres: initdb failed" "$PG_DIR/initdb.log"
    echo "include_if_exists = 'stack.conf'" >>"$PG_DATA/postgresql.conf"
  fi

  if pg_running; then
    log "postgres: already running (pid $(pg_pid))"
  else
    require_free_port "$PG_PORT" PG_PORT postgres
    # Settings regenerated on every start, so PG_PORT changes apply.
    cat >"$PG_DATA/stack.conf" <<EOF
# generated by scripts/stack/stack.sh
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 200
EOF
    is_root && chown postgres:postgres "$PG_DATA/stack.conf"
    log "postgres: starting on 127.0.0.1:$PG_PORT"
    as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$WAIT_SECS" start >/dev/null 9>&- ||
      die_with_log "postgres did not start (pg_ctl start)" "$PG_LOG"
  fi

  # Role, database, schemas (idempotent), as superuser over the private unix socket.
  as_pg "$bin/psql" -X -q -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >"$PG_DIR/provision.log" 2>&1 <<EOF ||
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  ELSE
    ALTER ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
  END IF;
END \$\$;
SELECT 'CREATE DATABASE $PG_DB OWNER $PG_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DB')\gexec
\connect $PG_DB
$(for s in "${PG_SCHEMAS[@]}"; do echo "CREATE SCHEMA IF NOT EXISTS $s AUTHORIZATION $PG_USER; ALTER SCHEMA $s OWNER TO $PG_USER;"; done)
EOF
    die_with_log "postgres: creating role/database/schemas failed" "$PG_DIR/provision.log"

  # Health: a real login over TCP with the app credentials.
  local t0=$SECONDS
  until PGPASSWORD="$PG_PASSWORD" psql -X -qtA -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -c 'select 1' >/dev/null 2>&1; do
    ((SECONDS - t0 < WAIT_SECS)) || die_with_log "postgres: not healthy after ${WAIT_SECS}s (psql select 1)" "$PG_LOG"
    sleep 0.5
  done
  log "postgres: ok (127.0.0.1:$PG_PORT, db $PG_DB, schemas ${PG_SCHEMAS[*]})"
}

pg_down() {
  if pg_running; then
    log "postgres: stopping"
    as_pg "$(pg_bin_dir)/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null || log "postgres: pg_ctl stop failed"
  fi
}

pg_status() {
  if pg_running; then echo "postgres  running  port $PG_PORT  pid $(pg_pid)"; else echo "postgres  stopped  port $PG_PORT"; return 1; fi
}

# ---------------------------------------------------------------- redis (standalone + cluster nodes)
rcli() { timeout 5 redis-cli -h 127.0.0.1 -p "$@"; } # rcli <port> <cmd...>

# True when our redis (started from <conf>) answers on <port>.
redis_ours() { # <port> <conf>
  [[ "$(rcli "$1" info server 2>/dev/null | tr -d '\r' | sed -n 's/^config_file://p')" == "$2" ]]
}

# Write a redis config and start redis-server unless our instance already runs.
redis_start() { # <port> <dir> <env var> <what> [extra config lines...]
  local port=$1 dir=$2 var=$3 what=$4; shift 4
  local conf="$dir/redis.conf"
  mkdir -p "$dir"
  if redis_ours "$port" "$conf"; then log "$what: already running on $port"; return 0; fi
  require_free_port "$port" "$var" "$what"
  cat >"$conf" <<EOF
# generated by scripts/stack/stack.sh
bind 127.0.0.1
port $port
protected-mode yes
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
dir $dir
save ""
appendonly no
EOF
  printf '%s\n' "$@" >>"$conf"
  log "$what: starting on 127.0.0.1:$port"
  redis-server "$conf" >/dev/null 9>&- || die_with_log "$what: redis-server failed to start" "$dir/redis.log"
}

redis_wait_ping() { # <port> <logfile> <what>
  local t0=$SECONDS
  until [[ "$(rcli "$1" ping 2>/dev/null)" == "PONG" ]]; do
    ((SECONDS - t0 < WAIT_SECS)) || die_with_log "$3: no PONG on port $1 after ${WAIT_SECS}s" "$2"
    sleep 0.2
  done
}

redis_stop() { # <port> <dir>
  local pid; pid="$(read_pid "$2/redis.pid")"
  if redis_ours "$1" "$2/redis.conf"; then rcli "$1" shutdown nosave >/dev/null 2>&1 || true; fi
  if pid_alive "$pid"; then # wait for exit, then force
    for _ in $(seq 50); do pid_alive "$pid" || break; sleep 0.1; done
    pid_alive "$pid" && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$2/redis.pid"
}

redis_up() {
  redis_start "$REDIS_PORT" "$REDIS_DIR" REDIS_PORT redis
  redis_wait_ping "$REDIS_PORT" "$REDIS_DIR/redis.log" redis
  log "redis: ok (127.0.0.1:$REDIS_PORT)"
}
redis_down() { log "redis: stopping"; redis_stop "$REDIS_PORT" "$REDIS_DIR"; }
redis_status() {
  if redis_ours "$REDIS_PORT" "$REDIS_DIR/redis.conf"; then
    echo "redis     running  port $REDIS_PORT  pid $(read_pid "$REDIS_DIR/redis.pid")"
  else echo "redis     stopped  port $REDIS_PORT"; return 1; fi
}

cluster_info_field() { rcli "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"; }

# All 6 nodes: state ok, every slot served, all nodes known; and the topology is really 3 masters each
# with a replica whose replication link is up (cluster_state turns ok before replicas have attached).
cluster_healthy() {
  local p masters=0 replicas=0 role
  for p in "${CLUSTER_PORTS[@]}"; do
    [[ "$(cluster_info_field "$p" cluster_state)" == ok ]] || return 1
    [[ "$(cluster_info_field "$p" cluster_slots_ok)" == 16384 ]] || return 1
    [[ "$(cluster_info_field "$p" cluster_known_nodes)" == 6 ]] || return 1
    # this node's own (gossiped) view must already show 3 masters and 3 replicas
    [[ "$(rcli "$p" cluster nodes 2>/dev/null | awk '$3 ~ /master/ {m++} $3 ~ /slave/ {r++} END {print m+0 "/" r+0}')" == 3/3 ]] || return 1
    # ...and CLUSTER SLOTS, which is what clients read, lists each replica (it omits one until gossip has
    # carried a non-zero replication offset for it)
    [[ "$(rcli "$p" cluster slots 2>/dev/null | grep -c '^127\.0\.0\.1$')" == 6 ]] || return 1
    role=$(rcli "$p" info replication 2>/dev/null | tr -d '\r')
    if grep -q '^role:master' <<<"$role"; then
      grep -q '^connected_slaves:1' <<<"$role" && masters=$((masters + 1))
    elif grep -q '^master_link_status:up' <<<"$role"; then
      replicas=$((replicas + 1))
    fi
  done
  ((masters == 3 && replicas == 3))
}

cluster_up() {
  local p
  for p in "${CLUSTER_PORTS[@]}"; do
    # the cluster bus uses port+10000: it must be free too
    redis_ours "$p" "$CLUSTER_DIR/$p/redis.conf" || require_free_port "$((p + 10000))" REDIS_CLUSTER_BASE_PORT "redis cluster bus"
    redis_start "$p" "$CLUSTER_DIR/$p" REDIS_CLUSTER_BASE_PORT "redis cluster node" \
      "cluster-enabled yes" "cluster-config-file nodes.conf" "cluster-node-timeout 2000"
  done
  for p in "${CLUSTER_PORTS[@]}"; do redis_wait_ping "$p" "$CLUSTER_DIR/$p/redis.log" "redis cluster node"; done

  # Form the cluster only if no node knows any other node and no slot is assigned yet.
  local fresh=1
  for p in "${CLUSTER_PORTS[@]}"; do
    [[ "$(cluster_info_field "$p" cluster_known_nodes)" == 1 && "$(cluster_info_field "$p" cluster_slots_assigned)" == 0 ]] || fresh=0
  done
  if ((fresh)); then
    log "redis cluster: creating (3 masters + 3 replicas)"
    local -a nodes=()
    for p in "${CLUSTER_PORTS[@]}"; do nodes+=("127.0.0.1:$p"); done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"$CLUSTER_DIR/create.log" 2>&1 ||
      die_with_log "redis cluster: 'redis-cli --cluster create' failed" "$CLUSTER_DIR/create.log"
  fi

  local t0=$SECONDS
  until cluster_healthy; do
    ((SECONDS - t0 < WAIT_SECS)) || die_with_log "redis cluster: not ok after ${WAIT_SECS}s (cluster info on port ${CLUSTER_PORTS[0]}: state=$(cluster_info_field "${CLUSTER_PORTS[0]}" cluster_state) known_nodes=$(cluster_info_field "${CLUSTER_PORTS[0]}" cluster_known_nodes)). If it is half-formed, run: bash scripts/stack/stack.sh reset cluster" "$CLUSTER_DIR/${CLUSTER_PORTS[0]}/redis.log"
    sleep 0.3
  done
  log "redis cluster: ok (127.0.0.1:${CLUSTER_PORTS[0]}..${CLUSTER_PORTS[5]})"
}

cluster_down() {
  log "redis cluster: stopping"
  local p
  for p in "${CLUSTER_PORTS[@]}"; do redis_stop "$p" "$CLUSTER_DIR/$p" & done # in parallel
  wait
}

cluster_status() {
  local p up=0 pids=()
  for p in "${CLUSTER_PORTS[@]}"; do
    if redis_ours "$p" "$CLUSTER_DIR/$p/redis.conf"; then up=$((up + 1)); pids+=("$(read_pid "$CLUSTER_DIR/$p/redis.pid")"); fi
  done
  local ports="${CLUSTER_PORTS[0]}-${CLUSTER_PORTS[5]}"
  if ((up == 6)) && cluster_healthy; then
    echo "cluster   running  ports $ports  pids ${pids[*]}  (cluster_state ok)"
  elif ((up == 0)); then
    echo "cluster   stopped  ports $ports"; return 1
  else
    echo "cluster   degraded ports $ports  $up/6 nodes up  pids ${pids[*]:-}  (cluster_state $(cluster_info_field "${CLUSTER_PORTS[0]}" cluster_state))"; return 1
  fi
}

# ---------------------------------------------------------------- kafka
kafka_pid() { read_pid "$KAFKA_PID"; }
kafka_running() {
  local pid; pid="$(kafka_pid)"
  pid_alive "$pid" || return 1
  local cmdline; cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *"kafka.Kafka $KAFKA_DIR/server.properties"* ]]
}

kafka_java() { # run a Kafka CLI class quietly (WARN logs to stderr)
  java -Xmx256m -Dlog4j2.configurationFile="$KAFKA_DIR/tools-log4j2.xml" -cp "$KAFKA_LIBS/*" "$@"
}

kafka_write_config() {
  mkdir -p "$KAFKA_DATA"
  cat >"$KAFKA_DIR/server.properties" <<EOF
# generated by scripts/stack/stack.sh: single KRaft node (broker + controller)
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
# one partition: the first consumer group on a fresh broker waits for this topic to be created (50 by default)
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=true
group.initial.rebalance.delay.ms=0
EOF
  # Broker logging: INFO to a size-rolled file.
  cat >"$KAFKA_DIR/log4j2.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN" shutdownHook="disable">
  <Appenders>
    <RollingFile name="file" fileName="$KAFKA_LOG" filePattern="$KAFKA_LOG.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <SizeBasedTriggeringPolicy size="50MB"/>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="file"/></Root>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="org.apache.kafka.clients" level="WARN"/>
  </Loggers>
</Configuration>
EOF
  # CLI tools (format, health check): warnings only, to stderr.
  cat >"$KAFKA_DIR/tools-log4j2.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="ERROR">
  <Appenders><Console name="err" target="SYSTEM_ERR"><PatternLayout pattern="%p %m%n"/></Console></Appenders>
  <Loggers><Root level="WARN"><AppenderRef ref="err"/></Root></Loggers>
</Configuration>
EOF
  printf 'request.timeout.ms=5000\ndefault.api.timeout.ms=8000\n' >"$KAFKA_DIR/tools.properties"
}

# Start the broker in the background (health is checked later by kafka_wait).
kafka_start() {
  mkdir -p "$KAFKA_DIR"
  if kafka_running; then log "kafka: already running (pid $(kafka_pid))"; return 0; fi
  require_free_port "$KAFKA_PORT" KAFKA_PORT kafka
  require_free_port "$KAFKA_CONTROLLER_PORT" KAFKA_CONTROLLER_PORT "kafka controller"
  kafka_write_config

  # Storage is formatted once; the cluster id is generated once and kept.
  if [[ ! -f "$KAFKA_DATA/meta.properties" ]]; then
    [[ -s "$KAFKA_DIR/cluster.id" ]] || kafka_java kafka.tools.StorageTool random-uuid >"$KAFKA_DIR/cluster.id"
    log "kafka: formatting storage (cluster id $(cat "$KAFKA_DIR/cluster.id"))"
    kafka_java kafka.tools.StorageTool format -t "$(cat "$KAFKA_DIR/cluster.id")" \
      -c "$KAFKA_DIR/server.properties" >"$KAFKA_DIR/format.log" 2>&1 ||
      die_with_log "kafka: storage format failed" "$KAFKA_DIR/format.log"
  fi

  log "kafka: starting on 127.0.0.1:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT)"
  # New session so it survives the calling shell; the inner bash writes its pid, then becomes java.
  # shellcheck disable=SC2086
  setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$KAFKA_PID" \
    java $KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.xml" -Dkafka.logs.dir="$KAFKA_DIR" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_DIR/server.properties" \
    >"$KAFKA_OUT" 2>&1 </dev/null 9>&- &
  for _ in $(seq 50); do [[ -s "$KAFKA_PID" ]] && break; sleep 0.1; done
}

# Health: a real metadata round trip (list topics through the broker).
kafka_wait() {
  local t0=$SECONDS
  until kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" \
    --command-config "$KAFKA_DIR/tools.properties" --list >/dev/null 2>&1; do
    kafka_running || { cat "$KAFKA_OUT" >>"$KAFKA_LOG" 2>/dev/null || true; die_with_log "kafka: process exited during startup" "$KAFKA_LOG"; }
    ((SECONDS - t0 < WAIT_SECS)) || die_with_log "kafka: no metadata response on 127.0.0.1:$KAFKA_PORT after ${WAIT_SECS}s" "$KAFKA_LOG"
    sleep 1
  done
  log "kafka: ok (127.0.0.1:$KAFKA_PORT, Kafka $(cat "$KAFKA_LIBS/.version" 2>/dev/null))"
}

# SIGTERM now (kafka_down_wait waits), so the other servers stop while Kafka shuts down.
kafka_down_begin() {
  if kafka_running; then
    log "kafka: stopping (pid $(kafka_pid))"
    kill -TERM "$(kafka_pid)" 2>/dev/null || true
  fi
}

kafka_down_wait() { # wait up to 30 s, then SIGKILL
  local pid; pid="$(kafka_pid)"
  if pid_alive "$pid"; then
    for _ in $(seq 300); do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid"; then log "kafka: still running after 30s, SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$KAFKA_PID"
}

kafka_status() {
  if kafka_running; then echo "kafka     running  port $KAFKA_PORT  pid $(kafka_pid)"; else echo "kafka     stopped  port $KAFKA_PORT"; return 1; fi
}

# ---------------------------------------------------------------- varnish (L3 edge)
varnishd_bin() { PATH="$PATH:/usr/sbin:/usr/local/sbin" command -v varnishd; }
varnishadm_stack() { timeout 10 varnishadm -n "$VARNISH_WORK" "$@"; }

varnish_running() {
  local pid; pid="$(read_pid "$VARNISH_PID")"
  pid_alive "$pid" || return 1
  [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)" == *varnishd*" -n $VARNISH_WORK "* ]]
}

# The repository VCL with each service's backend port from <SERVICE>_HTTP_PORT.
varnish_render_vcl() {
  local map="" svc
  for svc in "${VARNISH_SERVICES[@]}"; do map+="$svc=${VARNISH_BACKEND_PORTS[$svc]} "; done
  awk -v map="$map" '
    BEGIN { n = split(map, pairs, " "); for (i = 1; i <= n; i++) { split(pairs[i], kv, "="); port[kv[1]] = kv[2] } }
    /^backend [a-z]+ \{/ { current = $2 }
    current != "" && /\.port = "[0-9]+";/ && (current in port) { sub(/"[0-9]+"/, "\"" port[current] "\"") }
    /^\}/ { current = "" }
    { print }
  ' "$VARNISH_VCL_SRC" >"$VARNISH_DIR/default.vcl.new"
  mv "$VARNISH_DIR/default.vcl.new" "$VARNISH_DIR/default.vcl"
}

# Health: the child process runs and every listener accepts connections.
varnish_wait() {
  local t0=$SECONDS i
  until varnishadm_stack status 2>/dev/null | grep -q 'running'; do
    varnish_running || die_with_log "varnish: varnishd exited during startup" "$VARNISH_DIR/varnishd.log"
    ((SECONDS - t0 < WAIT_SECS)) || die_with_log "varnish: child not running after ${WAIT_SECS}s" "$VARNISH_DIR/varnishd.log"
    sleep 0.2
  done
  for i in "${!VARNISH_SERVICES[@]}"; do
    until port_listening "$((VARNISH_PORT + i))"; do
      ((SECONDS - t0 < WAIT_SECS)) || die "varnish: nothing listens on 127.0.0.1:$((VARNISH_PORT + i)) after ${WAIT_SECS}s"
      sleep 0.2
    done
  done
}

varnish_up() {
  varnish_resolve_dir # again: the vcache user may have been created by the install just now
  mkdir -p "$VARNISH_DIR"
  chmod 755 "$VARNISH_DIR"
  varnish_render_vcl
  if varnish_running; then
    # Load the (possibly changed) VCL into the running instance.
    local name; name="stack_$(date +%s%N)"
    { varnishadm_stack vcl.load "$name" "$VARNISH_DIR/default.vcl" && varnishadm_stack vcl.use "$name"; } \
      >"$VARNISH_DIR/reload.log" 2>&1 || die_with_log "varnish: reloading the VCL failed" "$VARNISH_DIR/reload.log"
    # Drop the VCLs it replaced (they would pile up with every `up`).
    local old
    for old in $(varnishadm_stack vcl.list 2>/dev/null | awk '$1 == "available" { print $NF }'); do
      varnishadm_stack vcl.discard "$old" >/dev/null 2>&1 || true
    done
    log "varnish: already running (pid $(read_pid "$VARNISH_PID")), VCL reloaded"
  else
    local i
    local -a listen=() jail=()
    for i in "${!VARNISH_SERVICES[@]}"; do
      require_free_port "$((VARNISH_PORT + i))" VARNISH_PORT "varnish (${VARNISH_SERVICES[$i]} listener)"
      listen+=(-a "${VARNISH_SERVICES[$i]}=127.0.0.1:$((VARNISH_PORT + i))")
    done
    require_free_port "$VARNISH_ADMIN_PORT" VARNISH_ADMIN_PORT "varnish admin"
    [[ -s "$VARNISH_DIR/secret" ]] || (umask 077 && head -c 32 /dev/urandom | base64 >"$VARNISH_DIR/secret")
    is_root || jail=(-j none)
    log "varnish: starting on 127.0.0.1:$VARNISH_PORT-$((VARNISH_PORT + ${#VARNISH_SERVICES[@]} - 1)) (admin :$VARNISH_ADMIN_PORT)"
    # varnishd daemonizes itself once the VCL compiled.
    "$(varnishd_bin)" -n "$VARNISH_WORK" -f "$VARNISH_DIR/default.vcl" "${listen[@]}" \
      -T "127.0.0.1:$VARNISH_ADMIN_PORT" -S "$VARNISH_DIR/secret" -s "malloc,$VARNISH_MEMORY" \
      -P "$VARNISH_PID" "${jail[@]}" >"$VARNISH_DIR/varnishd.log" 2>&1 9>&- ||
      die_with_log "varnish: varnishd failed to start" "$VARNISH_DIR/varnishd.log"
  fi
  varnish_wait
  log "varnish: ok (bid :$VARNISH_PORT, routing :$((VARNISH_PORT + 1)), compliance :$((VARNISH_PORT + 2)), analytics :$((VARNISH_PORT + 3)))"
}

varnish_down() {
  local pid; pid="$(read_pid "$VARNISH_PID")"
  if varnish_running; then
    log "varnish: stopping (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid"; then log "varnish: still running after 10s, SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$VARNISH_PID"
}

varnish_status() {
  local ports="$VARNISH_PORT-$((VARNISH_PORT + ${#VARNISH_SERVICES[@]} - 1))"
  if varnish_running; then
    echo "varnish   running  ports $ports  pid $(read_pid "$VARNISH_PID")"
  else echo "varnish   stopped  ports $ports"; return 1; fi
}

# ---------------------------------------------------------------- commands
write_env() {
  local nodes
  nodes="$(printf '127.0.0.1:%s,' "${CLUSTER_PORTS[@]}")"
  cat >"$STACK_DIR/stack.env" <<EOF
# generated by scripts/stack/stack.sh up; load with: set -a; . .stack/stack.env; set +a
DATABASE_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB
PGHOST=127.0.0.1
PGPORT=$PG_PORT
PGUSER=$PG_USER
PGPASSWORD=$PG_PASSWORD
PGDATABASE=$PG_DB
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
REDIS_CLUSTER_NODES=${nodes%,}
KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
VARNISH_URL=http://127.0.0.1:$VARNISH_PORT
VARNISH_BID_URL=http://127.0.0.1:$VARNISH_PORT
VARNISH_ROUTING_URL=http://127.0.0.1:$((VARNISH_PORT + 1))
VARNISH_COMPLIANCE_URL=http://127.0.0.1:$((VARNISH_PORT + 2))
VARNISH_ANALYTICS_URL=http://127.0.0.1:$((VARNISH_PORT + 3))
EOF
}

want() { local c; for c in "${COMPONENTS[@]}"; do [[ "$c" == "$1" ]] && return 0; done; return 1; }

# ---------------------------------------------------------------- prometheus (scripts/stack/prometheus.sh)
# Prometheus scraping the services, and the Varnish exporter, come with the whole stack (no component list);
# prometheus.sh owns the details. `up` adds PROMETHEUS_URL to stack.env.
prometheus_hook() { # up|down|status|reset
  ((${#COMPONENTS[@]} == ${#ALL_COMPONENTS[@]})) || return 0
  VARNISH_WORK="$VARNISH_WORK" bash "$SCRIPT_DIR/prometheus.sh" "$1" || return 1
  [[ "$1" != up ]] || echo "PROMETHEUS_URL=http://127.0.0.1:${PROMETHEUS_PORT:-19090}" >>"$STACK_DIR/stack.env"
}

cmd_up() {
  local t0=$SECONDS
  ensure_installed
  want kafka && kafka_start # slowest to boot: start first, check health last
  want postgres && pg_up
  want redis && redis_up
  want cluster && cluster_up
  want varnish && varnish_up
  want kafka && kafka_wait
  # --- issue 15, images: the Dockerfile linter the docker/ checks run, into .stack/tools (idempotent)
  bash "$SCRIPT_DIR/hadolint.sh" >/dev/null
  # ---
  write_env
  prometheus_hook up
  # ---- helm: chart tooling for the k8s/ checks (helm, kubeconform), built once into .stack/bin
  bash "$SCRIPT_DIR/helm.sh" install
  # ---- end helm
  log "up in $((SECONDS - t0))s; settings in .stack/stack.env:"
  grep -E '^(DATABASE_URL|REDIS_URL|REDIS_CLUSTER_NODES|KAFKA_BROKERS|VARNISH_URL|PROMETHEUS_URL)=' "$STACK_DIR/stack.env" | sed 's/^/  /' >&2
}

cmd_down() {
  want kafka && kafka_down_begin
  prometheus_hook down
  want varnish && varnish_down
  want cluster && cluster_down
  want redis && redis_down
  want postgres && pg_down
  want kafka && kafka_down_wait
  return 0
}

cmd_status() {
  local rc=0
  want postgres && { pg_status || rc=1; }
  want redis && { redis_status || rc=1; }
  want cluster && { cluster_status || rc=1; }
  want kafka && { kafka_status || rc=1; }
  want varnish && { varnish_status || rc=1; }
  prometheus_hook status || rc=1
  return $rc
}

# down + delete data (downloaded Kafka jars are kept)
cmd_reset() {
  cmd_down
  want postgres && rm -rf "$PG_DIR"
  want redis && rm -rf "$REDIS_DIR"
  want cluster && rm -rf "$CLUSTER_DIR"
  want varnish && rm -rf "$VARNISH_DIR"
  prometheus_hook reset
  want kafka && rm -rf "$KAFKA_DATA" "$KAFKA_DIR"/*.log* "$KAFKA_DIR"/*.out "$KAFKA_DIR/cluster.id" "$KAFKA_DIR"/*.properties "$KAFKA_DIR"/*.xml
  rm -f "$STACK_DIR/stack.env"
  log "reset done: ${COMPONENTS[*]}"
}

usage() {
  echo "usage: $0 up|down|status|reset [${ALL_COMPONENTS[*]}]   (default: all)" >&2
  exit 2
}

main() {
  [[ $# -ge 1 ]] || usage
  local cmd=$1; shift
  COMPONENTS=("$@")
  ((${#COMPONENTS[@]})) || COMPONENTS=("${ALL_COMPONENTS[@]}")
  local c
  for c in "${COMPONENTS[@]}"; do
    [[ " ${ALL_COMPONENTS[*]} " == *" $c "* ]] || { echo "unknown component: $c" >&2; usage; }
  done
  mkdir -p "$STACK_DIR"
  chmod 755 "$STACK_DIR"
  # One up/down/reset at a time per repo. Servers are started with fd 9 closed so
  # they don't inherit (and hold) the lock.
  if [[ "$cmd" != status ]]; then
    exec 9>"$STACK_DIR/.lock"
    flock -w 300 9 || die "another stack.sh is running (lock $STACK_DIR/.lock)"
  fi
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    reset) cmd_reset ;;
    *) usage ;;
  esac
}

main "$@"
