#!/usr/bin/env bash
# Load benchmark of a running node: authenticated GET of a registry object with wrk, beside
# nginx serving the same JSON bytes from a static file on the same machine in the same run
# (the ceiling of an HTTP/1.1 server here: no authentication, no database). Also prints
# the node's idle resident memory. Targets (issue 2): >= 20,000 requests/s, p99 < 10 ms,
# idle RSS < 50 MB. Uses the release build (scripts/build); installs wrk and nginx if
# missing. Only loopback addresses are used.
#
#   bench/load.sh [DURATION_SECONDS] [CONNECTIONS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration="${1:-10}"
connections="${2:-64}"
# shellcheck source=../scripts/lib/deps.sh
source "$root/scripts/lib/deps.sh"
aiip_install_packages wrk nginx-light
"$root/scripts/build" >/dev/null

work="$(mktemp -d)"
node_pid=""
nginx_conf=""
cleanup() {
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
  [ -n "$nginx_conf" ] && nginx -c "$nginx_conf" -s stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$root/build/bin/aiipd" --listen 127.0.0.1:0 --data-dir "$work/node" --threads 2 2>"$work/node.log" >/dev/null &
node_pid=$!
for _ in $(seq 1 100); do [ -s "$work/node/aiipd.url" ] && break; sleep 0.1; done
url="$(cat "$work/node/aiipd.url")"
token="$(cat "$work/node/admin.token")"
export AIIP_SERVER="$url" AIIP_TOKEN="$token"
org_json="$("$root/build/bin/aiip" org add --name "Load Test CSIRT" --kind csirt --state FR --json)"
org_id="$(printf '%s' "$org_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
target="$url/api/v1/organisations/$org_id"
sleep 1
idle_rss_kb="$(awk '/VmRSS/ {print $2}' "/proc/$node_pid/status")"

# The peer: nginx serving the same response body.
mkdir -p "$work/www"
curl -s -H "Authorization: Bearer $token" "$target" >"$work/www/org.json"
nginx_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
nginx_conf="$work/nginx.conf"
# The worker runs as root because the files live in this run's private temporary folder.
cat >"$nginx_conf" <<CONF
user root;
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$nginx_port; root $work/www; }
}
CONF
nginx -c "$nginx_conf"
peer_status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$nginx_port/org.json")"
if [ "$peer_status" != 200 ]; then
  echo "the nginx peer answers $peer_status, not 200; see $work/nginx-error.log" >&2
  exit 1
fi

run_wrk() {  # label url [header]
  local label="$1" target_url="$2"
  shift 2
  local out
  out="$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" "$target_url")"
  local rps p99 non2xx
  rps="$(printf '%s\n' "$out" | awk '/Requests\/sec/ {print $2}')"
  p99="$(printf '%s\n' "$out" | awk '$1=="99%" {print $2}')"
  non2xx="$(printf '%s\n' "$out" | awk '/Non-2xx/ {print $5}')"
  printf '%-44s %12s req/s   p99 %8s   non-2xx %s\n' "$label" "$rps" "$p99" "${non2xx:-0}"
}

echo "wrk: 2 threads, $connections connections, ${duration}s each, on $(nproc) cores (wrk shares them)"
run_wrk "aiipd: authenticated GET organisation" "$target" -H "Authorization: Bearer $token"
run_wrk "peer nginx: same JSON from a static file" "http://127.0.0.1:$nginx_port/org.json"
echo "aiipd idle RSS: $((idle_rss_kb / 1024)) MB (target < 50 MB)"
echo "targets: >= 20000 req/s, p99 < 10 ms"
