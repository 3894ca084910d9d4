#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster for tests, the demo and the benchmark.
#   scripts/pg-cluster.sh start DIR [TIMEZONE]   initdb into DIR, start on a free port
#   scripts/pg-cluster.sh stop DIR               stop it and delete DIR
# After start, DIR/env holds PGTIDE_TEST_PG_URI (superuser "postgres", password in the URI,
# password authentication over TCP on 127.0.0.1) for `source DIR/env`.
# PostgreSQL refuses to run as root, so as root the cluster runs as the "postgres" user.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?directory}; tz=${3:-UTC}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$PGBIN/initdb" ] || { echo "pg-cluster: PostgreSQL server binaries not found; run scripts/install-deps.sh" >&2; exit 1; }
PASSWORD=${PGTIDE_TEST_PG_PASSWORD:-tide-secret-pw}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir" && chmod 755 "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf '%s\n' "$PASSWORD" > "$dir/pwfile"; chmod 644 "$dir/pwfile"
  as_owner "$PGBIN/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
timezone = '$tz'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
max_connections = 100
CONF
  as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  cat > "$dir/env" <<ENV
export PGTIDE_TEST_PG_URI='postgresql://postgres:$PASSWORD@127.0.0.1:$port/postgres'
export PGTIDE_TEST_PG_PORT=$port
export PGTIDE_TEST_PG_DIR='$dir'
ENV
  echo "$dir/env"
  ;;
stop)
  [ -d "$dir/data" ] && as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start|stop DIR [TIMEZONE]" >&2; exit 2 ;;
esac
