#!/usr/bin/env bash
# Installs (from Debian's packages, when missing) and starts the real services the tests and the
# benchmark need, on loopback only: PostgreSQL and Redis. Fails loudly when one does not start.
#   source tests/services.sh && services_start   # exports CUOCTHI_TEST_DATABASE_URL, _REDIS_URL
#   services_stop
set -euo pipefail

SERVICES_DIR="${CUOCTHI_SERVICES_DIR:-/tmp/cuocthi-services}"
PG_PORT="${CUOCTHI_PG_PORT:-55432}"
REDIS_PORT="${CUOCTHI_REDIS_PORT:-56379}"

_say() { printf '[services] %s\n' "$*" >&2; }
_die() { printf '[services] FAILED: %s\n' "$*" >&2; exit 1; }

_apt_install() {
  command -v apt-get >/dev/null || _die "apt-get not found; install $* by hand"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  _say "installing $* from Debian's packages"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

_pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

# Runs a PostgreSQL binary as the postgres user when we are root (it refuses to run as root).
_as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

services_install() {
  command -v redis-server >/dev/null || _apt_install redis-server
  [ -n "$(_pg_bin)" ] || _apt_install postgresql
  # The browser tests drive Debian's Chromium (no browser download); fonts for Vietnamese.
  [ -x /usr/bin/chromium ] || _apt_install chromium fonts-dejavu-core
  [ -x /usr/bin/chromium ] || _die "Chromium is still missing"
  # Poster and PDF tests: a real QR decoder (zbar) and poppler's pdftoppm/pdftotext.
  command -v pdftoppm >/dev/null && ldconfig -p | grep -q libzbar || _apt_install poppler-utils libzbar0
  command -v pdftoppm >/dev/null || _die "poppler-utils is still missing"
  command -v redis-server >/dev/null || _die "redis-server is still missing"
  [ -n "$(_pg_bin)" ] || _die "PostgreSQL is still missing"
}

start_postgres() {
  local bin data="$SERVICES_DIR/pg"
  bin=$(_pg_bin)
  mkdir -p "$SERVICES_DIR"
  [ "$(id -u)" -ne 0 ] || chown postgres "$SERVICES_DIR"
  if ! _as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    if [ ! -s "$data/PG_VERSION" ]; then
      _say "initdb $data"
      _as_pg "$bin/initdb" -D "$data" -U cuocthi --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    _as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $data -c fsync=on -c max_connections=200" start >/dev/null \
      || { tail -n 20 "$data/server.log" >&2; _die "PostgreSQL did not start"; }
  fi
  "$bin/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -t 30 >/dev/null || _die "PostgreSQL is not accepting connections"
  psql -h 127.0.0.1 -p "$PG_PORT" -U cuocthi -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='cuocthi_test'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$PG_PORT" -U cuocthi -d postgres -qc "CREATE DATABASE cuocthi_test" \
    || _die "could not create the test database"
  export CUOCTHI_TEST_DATABASE_URL="postgresql://cuocthi@127.0.0.1:$PG_PORT/cuocthi_test"
  _say "PostgreSQL up on 127.0.0.1:$PG_PORT"
}

start_redis() {
  mkdir -p "$SERVICES_DIR/redis"
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save "" --appendonly no \
      --dir "$SERVICES_DIR/redis" --pidfile "$SERVICES_DIR/redis/redis.pid" \
      --logfile "$SERVICES_DIR/redis/redis.log" >/dev/null || _die "Redis did not start"
  fi
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG || _die "Redis is not answering"
  export CUOCTHI_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export CUOCTHI_REDIS_PORT="$REDIS_PORT"
  _say "Redis up on 127.0.0.1:$REDIS_PORT"
}

services_start() {
  services_install
  start_postgres
  start_redis
}

services_stop() {
  local bin
  bin=$(_pg_bin || true)
  [ -z "$bin" ] || _as_pg "$bin/pg_ctl" -D "$SERVICES_DIR/pg" -m fast stop >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}

# Fault tests: restart a service the way an outage would, with no manual step after.
restart_postgres() {
  local bin
  bin=$(_pg_bin)
  _as_pg "$bin/pg_ctl" -D "$SERVICES_DIR/pg" -m immediate -w -t 60 restart >/dev/null \
    || _die "PostgreSQL did not restart"
}

restart_redis() {
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  sleep 1
  start_redis
}
