#!/usr/bin/env bash
# Every benchmark of docs/benchmarks.md, one JSON object per line:
#   scripts/bench_all.sh [--pg postgresql://...]
# (API with wrk on the demo network, scheduling engine, ledger postings, market match.)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$here/build/suanli
pg=""
[ "${1:-}" = "--pg" ] && pg=$2
tmp=$(mktemp -d /tmp/suanli_bench_all.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
echo "{\"machine\":\"$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)\",\"load_before\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"date\":\"$(date -u +%FT%TZ)\"}"
echo "{\"api_sqlite\":$(bash "$here/scripts/bench_api.sh" --duration 10s)}"
[ -n "$pg" ] && echo "{\"api_postgresql\":$(bash "$here/scripts/bench_api.sh" --pg "$pg" --duration 10s)}"
echo "{\"sched\":$("$bin" bench sched --nodes 100000 --json 2>/dev/null)}"
echo "{\"ledger_sqlite\":$("$bin" bench ledger --db "$tmp/ledger.db" --json 2>/dev/null)}"
[ -n "$pg" ] && echo "{\"ledger_postgresql\":$("$bin" bench ledger --db "$pg" --json 2>/dev/null)}"
echo "{\"match\":$("$bin" bench match --offers 100000 --json 2>/dev/null)}"
