#!/usr/bin/env bash
# The project's throwaway PostgreSQL 15 cluster for tests and benchmarks (no systemd).
#   scripts/pg.sh start DIR [PORT]   initdb if needed, start, print the connection URL
#   scripts/pg.sh stop DIR           stop (fast shutdown)
#   scripts/pg.sh url DIR            print the URL of the cluster in DIR
# Durable on purpose: fsync, full_page_writes and synchronous_commit stay on, because the store's
# durability tests and commit benchmarks must measure the real thing. Run as root (the server
# runs as the postgres user) or as a non-root user who owns DIR. Installs postgresql-15 if missing.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
usage() { echo "usage: $0 start DIR [PORT] | stop DIR | url DIR" >&2; exit 2; }
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || usage
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# Runs a command as the cluster owner: postgres when we are root, ourselves otherwise.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_installed() {
  [ -x "$PGBIN/initdb" ] && return
  [ "$(id -u)" = 0 ] || { echo "pg.sh: postgresql-15 missing; run as root to install" >&2; exit 1; }
  echo "pg.sh: installing postgresql-15" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
}

url() {
  local port
  port=$(cat "$dir/port" 2>/dev/null) || { echo "pg.sh: no cluster in $dir" >&2; exit 1; }
  echo "postgresql://postgres@127.0.0.1:$port/postgres"
}

start() {
  local port=${1:-55432}
  ensure_installed
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  chmod 0700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  if as_owner "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    echo "pg.sh: already running" >&2
    url; return
  fi
  echo "$port" >"$dir/port"
  # Unix socket in DIR (not /var/run/postgresql, which may not exist); TCP on loopback only.
  as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c full_page_writes=on \
        -c synchronous_commit=on -c max_connections=200 -c shared_buffers=128MB" start >/dev/null ||
    { tail -20 "$dir/pg.log" >&2; exit 1; }
  url
}

stop() {
  [ -f "$dir/data/PG_VERSION" ] || { echo "pg.sh: no cluster in $dir" >&2; exit 1; }
  as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

case $cmd in
  start) start "${3:-}" ;;
  stop) stop ;;
  url) url ;;
  *) usage ;;
esac
