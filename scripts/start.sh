#!/usr/bin/env bash
# npm start: the whole system on this machine. Installs what is missing, starts the stack, builds the four
# services, applies their migrations and runs them in the foreground. Ctrl-C (or SIGTERM) stops them
# gracefully; the stack keeps running (npm run stack:down stops it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ensure_node_modules
ensure_stack

say "Building the services"
npx nx run-many -t build -p "${SERVICES[@]}" --outputStyle=static

logs="$ROOT/.stack/logs"
mkdir -p "$logs"
for svc in "${SERVICES[@]}"; do
  say "Migrating $svc"
  node "$ROOT/dist/apps/$svc/main.js" migrate >"$logs/$svc-migrate.log" 2>&1 || {
    cat "$logs/$svc-migrate.log" >&2
    die "migrations of $svc failed (log above)"
  }
done

# Ports: defaults below, or <SERVICE>_HTTP_PORT / <SERVICE>_GRPC_PORT (e.g. BID_HTTP_PORT=8080).
declare -A http=([bid]=3101 [routing]=3102 [compliance]=3103 [analytics]=3104)
declare -A grpc=([bid]=5101 [routing]=5102 [compliance]=5103 [analytics]=5104)
for svc in "${SERVICES[@]}"; do
  upper=${svc^^}
  h="${upper}_HTTP_PORT" g="${upper}_GRPC_PORT"
  http[$svc]=${!h:-${http[$svc]}}
  grpc[$svc]=${!g:-${grpc[$svc]}}
  for port in "${http[$svc]}" "${grpc[$svc]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "port $port ($svc) is already in use — is npm start already running? Set ${h} or ${g} to use another."
    fi
  done
done

# Auth on, as in production, with the dev secret `npm run token` signs with (scripts/dev-auth.env); a variable
# already in the environment wins (AUTH_MODE=off npm start runs without auth).
while IFS='=' read -r name value; do
  [[ "$name" =~ ^AUTH_[A-Z_]+$ ]] || continue
  [ -n "${!name:-}" ] || export "$name=$value"
done <"$ROOT/scripts/dev-auth.env"

pids=()
stopping=0
stop_all() {
  trap - INT TERM
  stopping=1
  say "Stopping the services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop_all INT TERM

for svc in "${SERVICES[@]}"; do
  # JSON logs to a file per service; `tail -f .stack/logs/<svc>.log` to follow one.
  # bid and analytics read buyers' routing criteria from routing's gRPC API; each service purges the
  # Varnish listener in front of it (VARNISH_<SERVICE>_URL from the stack) when it invalidates.
  varnish="VARNISH_${svc^^}_URL"
  HTTP_PORT=${http[$svc]} GRPC_PORT=${grpc[$svc]} ROUTING_GRPC_ADDRESS="127.0.0.1:${grpc[routing]}" \
    EDGE_VARNISH_URLS="${EDGE_VARNISH_URLS:-${!varnish:-}}" node "$ROOT/dist/apps/$svc/main.js" >"$logs/$svc.log" 2>&1 &
  pids+=("$!")
done

for i in "${!SERVICES[@]}"; do
  svc=${SERVICES[$i]}
  port=${http[$svc]}
  for _ in $(seq 1 120); do
    [ "$stopping" = 1 ] && exit 0 # Ctrl-C while waiting: the trap already stopped everything
    kill -0 "${pids[$i]}" 2>/dev/null || { tail -n 30 "$logs/$svc.log" >&2; stop_all; die "$svc exited during start"; }
    curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
    sleep 0.5
  done
  [ "$stopping" = 1 ] && exit 0
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 || {
    tail -n 30 "$logs/$svc.log" >&2
    stop_all
    die "$svc did not become ready"
  }
done

printf '\n  The platform is up (logs: .stack/logs/<service>.log). Ctrl-C stops the services.\n\n'
printf '  %-12s %-26s %s\n' service REST gRPC
for svc in "${SERVICES[@]}"; do
  printf '  %-12s %-26s %s\n' "$svc" "http://127.0.0.1:${http[$svc]}" "127.0.0.1:${grpc[$svc]}  ($svc.v1)"
done
auth_header=''
if [ "${AUTH_MODE:-}" = jwt ]; then
  # Auth is on (scripts/dev-auth.env): the example carries a token, or it would answer 401.
  auth_header=' -H "Authorization: Bearer $(npm run -s token -- --scope bid:write)"'
fi
cat <<MSG

  try: curl -s -XPOST http://127.0.0.1:${http[bid]}/bids -H 'content-type: application/json'${auth_header} \\
         -d '{"callId":"call-1","buyerId":"buyer-1","amountCents":1250}'
MSG

wait -n "${pids[@]}" || true
[ "$stopping" = 1 ] && exit 0
stop_all
die "a service exited unexpectedly; see .stack/logs/"
