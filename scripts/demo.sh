#!/usr/bin/env bash
# One command for a newcomer: install what is missing, build, and start the platform on its
# embedded default (SQLite) with the demo network. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target suanli
(cd web && npm run build --silent)  # the console at http://<listen>/
exec ./build/suanli serve --demo --db "${SUANLI_DB:-suanli-demo.db}" \
  --listen "${SUANLI_LISTEN:-127.0.0.1:8080}"
