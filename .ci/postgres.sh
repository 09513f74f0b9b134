#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on loopback for the storage tests and print its URL.
# Installs Debian's postgresql package when no server binaries are found. Safe to run twice.
set -euo pipefail

port="${STACKMAP_PG_PORT:-54329}"
root="${STACKMAP_PG_DIR:-/tmp/stackmap-ci-postgres}"

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  return 1
}

if ! bin=$(find_bin); then
  echo "installing PostgreSQL from Debian's packages…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bin=$(find_bin)
fi

run_as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if ! run_as_pg "$bin/pg_ctl" -D "$root/data" status >/dev/null 2>&1; then
  rm -rf "$root"
  mkdir -p "$root"
  [ "$(id -u)" = 0 ] && chown postgres: "$root"
  run_as_pg "$bin/initdb" -D "$root/data" -U stackmap --auth=trust -E UTF8 >/dev/null
  run_as_pg "$bin/pg_ctl" -D "$root/data" -l "$root/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $root -c fsync=off" start >/dev/null
  run_as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U stackmap stackmap_test
fi
echo "postgresql+psycopg://stackmap@127.0.0.1:$port/stackmap_test"
