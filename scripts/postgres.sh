#!/usr/bin/env bash
# A real PostgreSQL for development, tests and CI, from Debian's `postgresql`
# package (installed with apt when missing), with its data under
# .cache/postgres/NAME.
#
# It listens on a Unix socket only (no TCP port is opened; --port names the
# socket, as PostgreSQL does) and lets the user who started it in by peer
# authentication: the kernel says who connects, so no password exists to be
# shipped, printed or leaked. That user is the database superuser.
#
# Usage: scripts/postgres.sh COMMAND [OPTIONS]
#
# Commands:
#   start      start the instance (idempotent) and wait until it accepts
#              connections; the last line of stdout is
#              DATABASE_URL=postgres://USER@/postgres?host=SOCKET_DIR&port=P
#   stop       stop the instance (fast shutdown: open sessions are ended)
#   status     exit 0 and print DATABASE_URL=... when it runs, 1 otherwise
#   install    only install PostgreSQL (and libpq-dev) when missing
#
# Options (start reads them; stop and status use what start recorded):
#   --name NAME    instance name, default "default" (.cache/postgres/NAME)
#   --port P       port, default 15432
#   --fresh        (start) throw away the instance's data first
#   --ephemeral    (start) trade crash safety for speed (fsync, full page
#                  writes and synchronous commit off): for tests only
#
# Environment:
#   POSTGRES_CACHE_DIR   where instances live (default <repo>/.cache/postgres)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${POSTGRES_CACHE_DIR:-$ROOT/.cache/postgres}"

log() { echo "postgres.sh: $*" >&2; }
die() {
  log "$*"
  exit 1
}
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 1 ] || usage
COMMAND="$1"
shift
NAME=default
PORT=""
FRESH=0
EPHEMERAL=0
while [ $# -gt 0 ]; do
  case "$1" in
    --name) NAME="${2:?--name needs a value}"; shift 2 ;;
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    --ephemeral) EPHEMERAL=1; shift ;;
    -h | --help) usage ;;
    *) die "unknown option: $1" ;;
  esac
done
[[ "$NAME" =~ ^[A-Za-z0-9._-]+$ ]] || die "--name may hold letters, digits, '.', '_' and '-' only"
[[ -z "$PORT" || ("$PORT" =~ ^[0-9]+$ && "$PORT" -ge 1024 && "$PORT" -le 65535) ]] ||
  die "--port must be a number from 1024 to 65535"

DIR="$CACHE/$NAME"
DATA="$DIR/data"
SOCKETS="$DIR/run"
LOGFILE="$DIR/postgres.log"

# The newest PostgreSQL that Debian's packages put under /usr/lib/postgresql.
bindir() {
  local dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

install() {
  if bindir >/dev/null && [ -e /usr/include/postgresql/libpq-fe.h ]; then
    return
  fi
  [ "$(id -u)" = 0 ] || die "PostgreSQL is missing; install it with: sudo apt-get install postgresql libpq-dev"
  log "installing PostgreSQL (first run only)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The package's own cluster and service are not used: instances live here.
  apt-get install -y -qq --no-install-recommends postgresql libpq-dev >/dev/null
}

# PostgreSQL refuses to run as root; root runs it as the package's
# `postgres` user, which then owns the instance's directory. Everyone else
# runs it as themselves.
as_server() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The database role of whoever runs this script: peer authentication maps
# the connecting user's name to the role of that name.
client_user() { id -un; }

url() {
  echo "DATABASE_URL=postgres://$(client_user)@/postgres?host=$SOCKETS&port=$(cat "$DIR/port")"
}

running() {
  local bin
  bin="$(bindir)" || return 1
  [ -f "$DATA/PG_VERSION" ] && as_server "$bin/pg_ctl" status -D "$DATA" >/dev/null 2>&1
}

init() {
  local bin=$1
  rm -rf "$DIR"
  mkdir -p "$DIR"
  # The server's user must reach its directory; nothing else of the
  # checkout is opened to it.
  chmod 755 "$CACHE" "$DIR"
  mkdir -m 700 "$DATA" "$SOCKETS"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$DATA" "$SOCKETS"
    chmod 711 "$SOCKETS" # root connects through the socket; nobody lists it
  fi
  log "creating instance '$NAME' in $DIR"
  # The superuser is named after the caller, so that peer authentication
  # lets exactly the caller in.
  as_server "$bin/initdb" -D "$DATA" -U "$(client_user)" -E UTF8 --no-locale \
    --auth-local=peer --auth-host=reject >"$DIR/initdb.log" 2>&1 ||
    die "initdb failed; see $DIR/initdb.log"
}

start() {
  install
  local bin
  bin="$(bindir)" || die "no PostgreSQL found under /usr/lib/postgresql"
  if ((FRESH)) && running; then
    stop
  fi
  if ((FRESH)) || [ ! -f "$DATA/PG_VERSION" ]; then
    init "$bin"
  fi
  if running; then
    [ -z "$PORT" ] || [ "$PORT" = "$(cat "$DIR/port")" ] ||
      die "instance '$NAME' already runs on port $(cat "$DIR/port"); stop it first"
    log "instance '$NAME' already runs"
    url
    return
  fi
  echo "${PORT:-15432}" >"$DIR/port"
  local options=(-c "port=$(cat "$DIR/port")" -c "listen_addresses=" -c "unix_socket_directories=$SOCKETS")
  if ((EPHEMERAL)); then
    options+=(-c fsync=off -c full_page_writes=off -c synchronous_commit=off)
  fi
  : >"$LOGFILE"
  [ "$(id -u)" != 0 ] || chown postgres: "$LOGFILE"
  as_server "$bin/pg_ctl" start -D "$DATA" -l "$LOGFILE" -w -t 60 -o "${options[*]}" >/dev/null ||
    die "PostgreSQL did not start; see $LOGFILE"
  log "instance '$NAME' runs (socket in $SOCKETS)"
  url
}

stop() {
  local bin
  bin="$(bindir)" || return 0
  if running; then
    as_server "$bin/pg_ctl" stop -D "$DATA" -m fast -w -t 60 >/dev/null
    log "instance '$NAME' stopped"
  fi
}

case "$COMMAND" in
  start) start ;;
  stop) stop ;;
  status)
    if running; then url; else
      log "instance '$NAME' is not running"
      exit 1
    fi
    ;;
  install) install ;;
  *) usage ;;
esac
