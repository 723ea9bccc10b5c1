#!/usr/bin/env bash
# One command for every test: install what is missing (PostgreSQL and wrk included), build with
# warnings as errors, start a throwaway PostgreSQL and a single-node Slurm with the project's own
# scripts, run ctest (unit, integration, scenario, PostgreSQL and Slurm suites), stop them again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSUANLI_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
# The web console (web/dist): served by `suanli serve`, driven by the browser test (web_e2e).
(cd web && npm run build --silent)

pgdir=$(mktemp -d /tmp/suanli-pg.XXXXXX)
slurm_started=0
cleanup() {
  bash scripts/pg.sh stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$pgdir"
  [ "$slurm_started" = 0 ] || bash scripts/slurm.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
SUANLI_TEST_PG_URL=$(bash scripts/pg.sh start "$pgdir" 55433)
export SUANLI_TEST_PG_URL
echo "test: PostgreSQL at $SUANLI_TEST_PG_URL" >&2
# Slurm for slurm_live_test (the Slurm pool driver) and slurm_pool_test (Slurm pools via the API); one already running is reused, not stopped.
if bash scripts/slurm.sh status >/dev/null 2>&1; then
  bash scripts/slurm.sh start
else
  slurm_started=1
  bash scripts/slurm.sh start --clean
fi
export SUANLI_TEST_SLURM=1

cd build
ctest --output-on-failure -j2 --timeout 900 "$@"
