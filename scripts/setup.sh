#!/usr/bin/env bash
# Installs every Debian package suanli needs to build, test and run (idempotent; run as root).
# Usage: scripts/setup.sh            build + runtime dependencies (and the web console's npm
#                                    packages: npm ci in web/)
#        scripts/setup.sh --test     also the test-only servers (PostgreSQL, wrk) and Chromium
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

pkgs=(build-essential cmake pkg-config git ca-certificates
      libboost1.81-dev nlohmann-json3-dev libsqlite3-dev sqlite3 libpq-dev
      libsodium-dev libyaml-cpp-dev libcli11-dev libexpected-dev libspdlog-dev libfmt-dev
      libgtest-dev libgmock-dev libbenchmark-dev libglpk-dev curl)
[ "$want_test" = 1 ] && pkgs+=(postgresql-15 wrk procps iproute2)
# The web console's browser tests: Debian's Chromium, and CJK fonts so Chinese renders.
[ "$want_test" = 1 ] && pkgs+=(chromium fonts-noto-cjk)
# Node.js and npm build the web console (web/). Any Node >= 18 will do (Debian 12 ships 18); a
# Node installed some other way (e.g. with its own npm) is kept.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then pkgs+=(nodejs npm); fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  # Boost 1.74 and 1.81 headers conflict; suanli builds against 1.81.
  if dpkg-query -W -f='${Status}' libboost1.74-dev 2>/dev/null | grep -q "install ok installed"; then
    DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq libboost1.74-dev >/dev/null || true
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The console's npm packages, exactly as web/package-lock.json pins them (again only when the
# lock file changed since the last install).
if [ ! -f web/node_modules/.suanli-lock ] || ! cmp -s web/package-lock.json web/node_modules/.suanli-lock; then
  echo "setup: npm ci in web/" >&2
  (cd web && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp web/package-lock.json web/node_modules/.suanli-lock
fi
echo "setup: dependencies present" >&2
