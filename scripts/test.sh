#!/usr/bin/env bash
# One command for every test: install what is missing (PostgreSQL and wrk included), build with
# warnings as errors, start a throwaway PostgreSQL with the project's own script, run ctest
# (unit, integration, scenario and PostgreSQL suites), and stop PostgreSQL again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSUANLI_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"

pgdir=$(mktemp -d /tmp/suanli-pg.XXXXXX)
cleanup() { bash scripts/pg.sh stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$pgdir"; }
trap cleanup EXIT
SUANLI_TEST_PG_URL=$(bash scripts/pg.sh start "$pgdir" 55433)
export SUANLI_TEST_PG_URL
echo "test: PostgreSQL at $SUANLI_TEST_PG_URL" >&2

cd build
ctest --output-on-failure -j2 --timeout 900 "$@"
