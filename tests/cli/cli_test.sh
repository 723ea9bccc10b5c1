#!/usr/bin/env bash
# End-to-end test of the `suanli` CLI against a real server with the demo network.
# Usage: cli_test.sh /path/to/suanli
set -u
BIN=${1:?usage: cli_test.sh /path/to/suanli}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/suanli-cli-test.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
cd "$TMP"
unset SUANLI_SERVER SUANLI_TOKEN

FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
# run EXPECTED_RC ARGS...: runs the CLI, keeps stdout in $OUT, stderr in $ERR.
run() {
  local want=$1; shift
  "$BIN" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
  OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
  if [ "$RC" != "$want" ]; then
    fail "suanli $* exited $RC, want $want"; echo "  stdout: ${OUT:0:400}"; echo "  stderr: ${ERR:0:400}"
  fi
}
has() { grep -qE -- "$2" <<<"$1" || { fail "$3: no /$2/ in: ${1:0:400}"; }; }
one_line() { [ "$(printf '%s\n' "$1" | wc -l)" = 1 ] || fail "$2: want one line, got: $1"; }
json_id() { grep -oE "\"id\": \"$1-[a-z0-9]+\"" <<<"$OUT" | head -1 | cut -d'"' -f4; }

# ---- server ----
SUANLI_BOOTSTRAP_TOKEN=sl_cli_test_boot "$BIN" serve --db "$TMP/db.sqlite" --listen 127.0.0.1:0 \
  --demo --tokens-file "$TMP/tokens" 2>"$TMP/server.err" &
SERVER_PID=$!
PORT=
for _ in $(seq 1 300); do
  PORT=$(grep -oE 'http://127\.0\.0\.1:[0-9]+ \(ready\)' "$TMP/server.err" | grep -oE ':[0-9]+' | tr -d :)
  [ -n "$PORT" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
[ -n "$PORT" ] || { echo "server did not start:"; cat "$TMP/server.err"; exit 1; }
export SUANLI_SERVER=http://127.0.0.1:$PORT
for _ in $(seq 1 50); do "$BIN" health >/dev/null 2>&1 && break; sleep 0.1; done
token_of() { grep -E "^ +$1 " "$TMP/server.err" | grep -oE 'sl_[a-z0-9]+' | head -1; }
SUPPLIER=$(token_of supplier); BUYER=$(token_of buyer); REGULATOR=$(token_of regulator)
OPERATOR=sl_cli_test_boot
[ -n "$SUPPLIER" ] && [ -n "$BUYER" ] && [ -n "$REGULATOR" ] || { echo "no demo tokens"; cat "$TMP/server.err"; exit 1; }

# ---- help ----
run 0 --help
has "$OUT" 'node' "help lists node"; has "$OUT" 'offer' "help lists offer"; has "$OUT" 'capacity' "help lists capacity"
run 0 node --help
has "$OUT" 'cordon' "node help lists cordon"; has "$OUT" 'list' "node help lists list"
run 2 node
one_line "$ERR" "noun without verb"; has "$ERR" 'list' "noun without verb names the verbs"

# ---- operator: list nodes, table and JSON ----
run 0 --token "$OPERATOR" node list --limit 5
has "$OUT" '^ID +NAME +POOL +CPU +MEM +ACCELERATORS +STATE' "node table header"
[ "$(wc -l <<<"$OUT")" = 6 ] || fail "node list --limit 5 printed $(wc -l <<<"$OUT") lines"
has "$OUT" 'node-[a-z0-9]+ ' "node table rows"
run 0 --token "$OPERATOR" node list --limit 3 --json
has "$OUT" '^\{"items":\[' "node list --json is the API page"; has "$OUT" '"total":' "json total"
export SUANLI_TOKEN=$OPERATOR
run 0 site list --tier hub --limit 3
has "$OUT" 'hub' "site filter by tier"
run 0 capacity --group-by tier
has "$OUT" '^TIER' "capacity header"; has "$OUT" '^TOTAL' "capacity total row"
run 0 accelerator list --vendor Huawei
has "$OUT" 'huawei-ascend-910b' "accelerator filter"
unset SUANLI_TOKEN

# ---- supplier: site, pool, nodes, cordon, publish ----
export SUANLI_TOKEN=$SUPPLIER
run 0 me
has "$OUT" 'supplier' "me shows the supplier role"
run 0 --json site create --name cli-test-site --city 成都市 --province 四川省 --latitude 30.66 \
  --longitude 104.06 --tier edge
SITE=$(json_id site); [ -n "$SITE" ] || fail "no site id in: $OUT"
run 0 --json pool create --site-id "$SITE" --name cli-test-pool --kind ai
POOL=$(json_id pool); [ -n "$POOL" ] || fail "no pool id in: $OUT"
run 0 --json node create --pool-id "$POOL" --name cli-n1 --cpu-cores 128 --memory-gib 1024 \
  --accelerators nvidia-h100-sxm:8
NODE1=$(json_id node)
cat > node2.yaml <<YAML
pool_id: $POOL
name: cli-n2
cpu_cores: 128
memory_gib: 1024
accelerators: [{model: nvidia-h100-sxm, count: 8}]
YAML
run 0 node create -f node2.yaml --set labels.rack=r7
has "$OUT" '^created node node-' "node create from YAML"
NODE2=$(grep -oE 'node-[a-z0-9]+' <<<"$OUT" | head -1)
run 0 node cordon "$NODE2" --reason "fan replacement"
has "$OUT" "node $NODE2 cordoned" "cordon"
run 0 node list --pool "$POOL"
has "$OUT" "cli-n2 .*cordoned" "cordoned node in the pool list"
has "$OUT" "cli-n1 .*8×nvidia-h100-sxm .*ready" "ready node in the pool list"
run 0 node get "$NODE2"
has "$OUT" 'state_reason +fan replacement' "node get shows the reason"
run 0 offer publish --pool "$POOL" --price 25 --dry-run
has "$OUT" '"accelerator_count": 8' "publish default unit"; has "$OUT" '"quantity": 2' "publish default quantity"
run 0 offer publish --pool "$POOL" --price 25
has "$OUT" '^published offer offer-' "publish"
run 0 offer list --pool "$POOL"
has "$OUT" '8卡 H100.*8×nvidia-h100-sxm .* 2 +¥25\.00 +on_demand +active' "published offer in the table"
run 2 offer publish --pool "$POOL" --price 25
one_line "$ERR" "second full publish"; has "$ERR" 'resource_exhausted' "nothing left to publish"
run 0 token create --name ci-agent --pool "$POOL"
has "$OUT" '^sl_' "token secret printed"; has "$ERR" 'shown only this once' "token note"
unset SUANLI_TOKEN

# ---- buyer: submit a job from YAML, cancel it ----
export SUANLI_TOKEN=$BUYER
cat > job.yaml <<'YAML'
name: cli-finetune
num_nodes: 2
resources:
  accelerators: H100:8
  cpus: 32
  memory: 256
run: torchrun train.py
priority: normal
duration: 2h
budget: 5000
location: {city: 成都市, latency_ms: 20}
YAML
run 0 job submit job.yaml --dry-run
has "$OUT" '"budget_fen": 500000' "budget in fen"; has "$OUT" '"duration_estimate_s": 7200' "duration"
has "$OUT" '"nvidia-h100-sxm"' "H100 resolved to a catalog id"; has "$OUT" '"CUDA": "torchrun train.py"' "command per ecosystem"
run 0 job submit job.yaml
has "$OUT" '^job job-[a-z0-9]+ submitted' "job submit"
JOB=$(grep -oE 'job-[a-z0-9]+' <<<"$OUT" | head -1)
run 0 job list --state pending
run 0 job cancel "$JOB" --reason "changed my mind"
has "$OUT" "job $JOB cancelled" "job cancel"
run 0 --json job get "$JOB"
has "$OUT" '"state": "cancelled"' "job is cancelled"
printf 'name: x\nrun: a\nsetup: pip install torch\n' >bad.yaml
run 2 job submit bad.yaml
one_line "$ERR" "unknown key"; has "$ERR" 'setup' "unknown key named"
unset SUANLI_TOKEN

# ---- the demo's local agent really runs the demo job; its output streams ----
HELLO=$(grep -oE 'job-[a-z0-9]+ runs on this machine' "$TMP/server.err" | cut -d' ' -f1)
for _ in $(seq 1 30); do [ -n "$HELLO" ] && break; sleep 0.5
  HELLO=$(grep -oE 'job-[a-z0-9]+ runs on this machine' "$TMP/server.err" | cut -d' ' -f1); done
if [ -z "$HELLO" ]; then fail "the demo job was not submitted"; else
  for _ in $(seq 1 40); do
    run 0 --token "$OPERATOR" job logs "$HELLO"
    grep -q 'step 2/60' <<<"$OUT" && break; sleep 0.5
  done
  has "$OUT" 'hello from suanli: task 0, attempt 0' "job logs shows the task's output"
  has "$OUT" 'step 2/60' "job logs grows"
  run 0 --token "$OPERATOR" --json job get "$HELLO"
  has "$OUT" '"state": "running"' "the demo job runs"
  run 0 --token "$OPERATOR" job cancel "$HELLO"
fi

# ---- an organisation's GPU quota: the operator sets it, the org itself may not ----
run 0 --token "$BUYER" --json me
BUYER_ORG=$(grep -oE '"org_id": "org-[a-z0-9]+"' <<<"$OUT" | head -1 | cut -d'"' -f4)
[ -n "$BUYER_ORG" ] || fail "no buyer org id in: $OUT"
run 2 --token "$BUYER" org update "$BUYER_ORG" --gpu-quota-milli 64000
one_line "$ERR" "buyer sets its quota"; has "$ERR" '^suanli: permission_denied' "only the operator sets a quota"
run 2 --token "$OPERATOR" org update "$BUYER_ORG" --set gpu_quota_milli=-1
one_line "$ERR" "negative quota"; has "$ERR" '^suanli: invalid_argument: gpu_quota_milli: ' "negative quota names the field"
run 0 --token "$OPERATOR" org update "$BUYER_ORG" --gpu-quota-milli 16000
has "$OUT" "updated org $BUYER_ORG" "operator sets a quota"
run 0 --token "$BUYER" org list --sort -gpu_quota_milli --limit 1
has "$OUT" 'GPU QUOTA' "org table has the quota"; has "$OUT" "$BUYER_ORG .* 16\$" "quota in whole GPUs"
run 0 --token "$OPERATOR" org update "$BUYER_ORG" --gpu-quota-milli 0

# ---- errors: regulator denied, bad input, unreachable, no token ----
run 2 --token "$REGULATOR" site create --name reg-site --city 成都市 --province 四川省 \
  --latitude 30 --longitude 104 --tier edge
one_line "$ERR" "regulator create"; has "$ERR" '^suanli: permission_denied' "regulator cannot create a site"
run 2 --token "$SUPPLIER" node create --pool-id "$POOL" --name bad --cpu-cores 0 --memory-gib 8
one_line "$ERR" "bad cpu"; has "$ERR" '^suanli: invalid_argument: cpu_cores: ' "bad input names the field"
run 2 --token "$SUPPLIER" node get node-doesnotexist
one_line "$ERR" "not found"; has "$ERR" 'not_found' "missing node"
run 2 --token "$SUPPLIER" node list --limit notanumber
one_line "$ERR" "bad flag value"
run 2 node list
one_line "$ERR" "no token"; has "$ERR" 'unauthenticated' "no token"
run 1 --server http://127.0.0.1:1 --token x node list
one_line "$ERR" "unreachable"; has "$ERR" '^suanli: unavailable: ' "unreachable server"

if [ "$FAILS" -ne 0 ]; then echo "cli_test: $FAILS failure(s)"; exit 1; fi
echo "cli_test: all passed"
