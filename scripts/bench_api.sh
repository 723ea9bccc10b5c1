#!/usr/bin/env bash
# HTTP API benchmark with wrk against a demo server (rate limit off), printing a JSON summary.
#   scripts/bench_api.sh [--bin build/suanli] [--pg postgresql://...] [--duration 10s]
#                        [--threads 2] [--connections 64] [--server-arg --no-scheduler ...]
# Loads: GET /api/v1/nodes/{id} (a real id), GET /api/v1/nodes?limit=100, and job creation
# (POST /api/v1/jobs as a buyer; every 201 is a durable commit). Default store: a SQLite file
# in a temp dir; --pg URL runs on a fresh schema of that PostgreSQL database instead.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin=$here/build/suanli
pg=""
duration=10s
threads=2
conns=64
server_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --server-arg) server_args+=("$2"); shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --pg) pg=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    *) echo "usage: $0 [--bin PATH] [--pg URL] [--duration 10s] [--threads N] [--connections N]" >&2
       exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "bench_api.sh: wrk missing (apt-get install wrk)" >&2; exit 1; }
[ -x "$bin" ] || { echo "bench_api.sh: no server binary at $bin (--bin)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/suanli_bench.XXXXXX)
server_pid=""
schema=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -n "$schema" ] && psql "$pg" -qc "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ -n "$pg" ]; then
  schema=bench_$$_$RANDOM
  psql "$pg" -qc "CREATE SCHEMA $schema" >/dev/null
  case $pg in *\?*) db="$pg&options=-csearch_path%3D$schema" ;; *) db="$pg?options=-csearch_path%3D$schema" ;; esac
  store=postgresql
else
  db=$tmp/bench.db
  store=sqlite
fi

env -u SUANLI_RATE_LIMIT -u SUANLI_LISTEN -u SUANLI_DB \
  "$bin" serve --db "$db" --listen 127.0.0.1:0 --demo --no-demo-agent --rate-limit 0 ${server_args[@]+"${server_args[@]}"} \
  --tokens-file "$tmp/demo.tokens" 2>"$tmp/server.log" &
server_pid=$!
port=""
for _ in $(seq 1 600); do
  port=$(sed -n 's/.*http:\/\/127\.0\.0\.1:\([0-9]*\) (ready).*/\1/p' "$tmp/server.log")
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "bench_api.sh: server not ready" >&2; cat "$tmp/server.log" >&2; exit 1; }
url=http://127.0.0.1:$port
sleep 5  # let the first placement and metering passes of the demo network finish

# Tokens: the operator's admin reads everything; a buyer submits jobs.
op_token=$(awk '$1 ~ /operator/ {print $4; exit}' "$tmp/demo.tokens")
buyer_token=$(awk '$1 ~ /buyer/ && $1 !~ /operator/ {print $4; exit}' "$tmp/demo.tokens")
node_id=$(curl -sf -H "Authorization: Bearer $op_token" "$url/api/v1/nodes?limit=1" |
  sed -n 's/^{"items":\[{[^}]*"id":"\([^"]*\)".*/\1/p')
[ -n "$node_id" ] || node_id=$(curl -sf -H "Authorization: Bearer $op_token" \
  "$url/api/v1/nodes?limit=1" | grep -o '"id":"node[^"]*"' | head -1 | cut -d'"' -f4)
[ -n "$node_id" ] || { echo "bench_api.sh: no node id" >&2; exit 1; }
jobs_before=$(curl -sf -H "Authorization: Bearer $op_token" "$url/api/v1/jobs?limit=1" |
  grep -o '"total":[0-9]*' | cut -d: -f2)

cat >"$tmp/post_job.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"name":"bench","cpu_cores":1,"memory_gib":1,"commands":{"CPU":"true"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) created = 0; other = 0 end
function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local c, o = 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); o = o + t:get("other") end
  io.write(string.format("BENCH created=%d other=%d\n", c, o))
end
LUA

# Runs wrk and prints one JSON object: requests/s, latency avg/p50/p90/p99 (ms), errors.
to_ms() {  # wrk prints 1.23ms, 456.00us, 1.20s
  awk -v v="$1" 'BEGIN { n = v + 0;
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000;
    printf "%.3f", n }'
}
run() {
  local name=$1; shift
  local out
  out=$(wrk -t"$threads" -c"$conns" -d"$duration" --latency "$@")
  echo "$out" >"$tmp/$name.txt"
  local rps avg p50 p90 p99 non2xx sockerr created other
  rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
  avg=$(to_ms "$(echo "$out" | awk '$1 == "Latency" {print $2; exit}')")
  p50=$(to_ms "$(echo "$out" | awk '$1 == "50%" {print $2}')")
  p90=$(to_ms "$(echo "$out" | awk '$1 == "90%" {print $2}')")
  p99=$(to_ms "$(echo "$out" | awk '$1 == "99%" {print $2}')")
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  sockerr=$(echo "$out" | grep -c 'Socket errors' || true)
  created=$(echo "$out" | sed -n 's/^BENCH created=\([0-9]*\).*/\1/p')
  other=$(echo "$out" | sed -n 's/^BENCH .*other=\([0-9]*\)/\1/p')
  printf '"%s":{"requests_per_s":%s,"latency_ms":{"avg":%s,"p50":%s,"p90":%s,"p99":%s},"non_2xx":%s,"socket_errors":%s' \
    "$name" "${rps:-0}" "$avg" "$p50" "$p90" "$p99" "${non2xx:-0}" "$sockerr"
  if [ -n "$created" ]; then printf ',"created_201":%s,"other":%s' "$created" "${other:-0}"; fi
  printf '}'
}

secs=${duration%s}
get_one=$(run get_node -H "Authorization: Bearer $op_token" "$url/api/v1/nodes/$node_id")
list=$(run list_nodes_100 -H "Authorization: Bearer $op_token" "$url/api/v1/nodes?limit=100")
create=$(BENCH_TOKEN=$buyer_token run create_job -s "$tmp/post_job.lua" "$url/api/v1/jobs")
jobs_after=$(curl -sf -H "Authorization: Bearer $op_token" "$url/api/v1/jobs?limit=1" |
  grep -o '"total":[0-9]*' | cut -d: -f2)
stored=$((jobs_after - jobs_before))
commits=$(curl -sf "$url/metrics" | awk '$1 == "suanli_store_commits_total" {print $2}')
printf '{"store":"%s","threads":%s,"connections":%s,"duration":"%s","node_id":"%s",%s,%s,%s,' \
  "$store" "$threads" "$conns" "$duration" "$node_id" "$get_one" "$list" "$create"
printf '"jobs_stored":%s,"durable_creations_per_s":%s,"store_commits_total":%s}\n' \
  "$stored" "$(awk -v n="$stored" -v s="$secs" 'BEGIN {printf "%.1f", n / s}')" "${commits:-0}"
