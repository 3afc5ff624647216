#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL server for tests and demos: a fresh
# cluster in DIR, listening on 127.0.0.1 only, user "iggy" with password "iggy".
#
#   scripts/postgres.sh start DIR   prints the server's port on stdout
#   scripts/postgres.sh stop DIR    stops it (DIR is left for the caller to delete)
#
# PostgreSQL refuses to run as root; as root the cluster runs as the "postgres"
# user (Debian's package creates it) and DIR is handed over to that user.
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

find_bin() {
  if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
  # Debian keeps the server tools out of PATH, one folder per major version.
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$found" ]; then
    echo "$1 not found: install PostgreSQL (Debian: apt-get install postgresql)" >&2
    exit 3
  fi
  echo "$found"
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    initdb=$(find_bin initdb)
    pg_ctl=$(find_bin pg_ctl)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" -eq 0 ]; then
      chown postgres: "$dir"
      if ! runuser -u postgres -- test -w "$dir"; then
        echo "the postgres user cannot reach $dir: use a directory whose parents it may enter (for example one made by mktemp -d directly under /tmp)" >&2
        exit 1
      fi
    fi
    # A free loopback port: bind port 0, read it back, release it.
    port=$(node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    as_owner sh -c "printf iggy > '$dir/pwfile'"
    as_owner "$initdb" -D "$dir/data" -U iggy --pwfile="$dir/pwfile" --auth=scram-sha-256 -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port"
    ;;
  stop)
    pg_ctl=$(find_bin pg_ctl)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
