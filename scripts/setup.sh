#!/usr/bin/env bash
# Komeji development set-up. Idempotent; a warm run takes well under a second.
#
# Usage (from anywhere; the script works from the repository root):
#   bash scripts/setup.sh               venv + PostgreSQL + Redis + .local/env.sh + translations
#   bash scripts/setup.sh --venv-only   only the virtual env (used by `make lint`)
#   bash scripts/setup.sh --lock        regenerate requirements/constraints.txt (`make lock`)
#   bash scripts/setup.sh --clean-local stop the private PostgreSQL/Redis started here, remove .local
#
# What it does:
#   1. .venv: created with the newest Python >= 3.11 on PATH if missing, then
#      `pip install -c requirements/constraints.txt -e '.[dev]'`, skipped while the
#      stamp .venv/.komeji-stamp matches sha256(pyproject.toml + constraints.txt).
#   2. PostgreSQL, first that works: $DATABASE_URL; the server on 127.0.0.1:5432
#      (user postgres, database komeji created if missing); a private cluster in
#      .local/pg on 127.0.0.1:54329 run from the system binaries; the embedded
#      server of the `pgserver` package in .local/pgserver (unix socket only).
#   3. Redis, first that works: $REDIS_URL; 127.0.0.1:6379; a private
#      redis-server on 127.0.0.1:6389 (data in .local/redis, nothing persisted;
#      redis-server is apt-installed when missing and running as root).
#   4. Writes .local/env.sh (DATABASE_URL, REDIS_URL, DJANGO_DEBUG) for `. .local/env.sh`.
#   5. Compiles translations when msgfmt exists and a .po is newer than its .mo.
#
# Switches (environment variables):
#   KOMEJI_FORCE_PRIVATE_SERVICES=1  ignore the shared servers on 127.0.0.1:5432 and
#                                    127.0.0.1:6379 and use private ones under .local
#                                    (useful to test the fallbacks, or to keep this
#                                    checkout's data apart from the machine's servers).
#   KOMEJI_FORCE_PGSERVER=1          skip 5432 and the private cluster: use pgserver.
#   LOCK_PIP_ARGS="--upgrade"        extra pip arguments for --lock (e.g. upgrade everything).
# DATABASE_URL / REDIS_URL found in the environment are used as they are, except when
# they are exactly the values this script wrote to .local/env.sh (e.g. because that file
# is sourced in your shell; env.sh also exports them as KOMEJI_SETUP_DATABASE_URL and
# KOMEJI_SETUP_REDIS_URL to recognise them after .local is gone): those are detected again.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd -P)
LOCAL="$ROOT/.local"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
STAMP="$VENV/.komeji-stamp"
CONSTRAINTS="requirements/constraints.txt"
ENV_FILE="$LOCAL/env.sh"

DB_NAME=komeji
PG_DIR="$LOCAL/pg"
PG_PORT=54329
PGSERVER_DIR="$LOCAL/pgserver"
REDIS_DIR="$LOCAL/redis"
REDIS_PORT=6389

log() { printf '%s\n' "$*"; }
warn() { printf 'setup: %s\n' "$*" >&2; }
die() {
    warn "$*"
    exit 1
}
is_root() { [ "$(id -u)" -eq 0 ]; }
# Single-quote a value for POSIX sh (env.sh is sourced by make's /bin/sh too).
sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum | cut -d' ' -f1
    else
        shasum -a 256 | cut -d' ' -f1
    fi
}

# ---------------------------------------------------------------- virtual env

find_python() {
    local cand
    for cand in python3.13 python3.12 python3.11 python3; do
        command -v "$cand" >/dev/null 2>&1 || continue
        # pyenv shims exist even for versions that are not installed: run it to be sure.
        if "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
            command -v "$cand"
            return 0
        fi
    done
    return 1
}

ensure_venv() {
    if [ ! -e "$VENV/bin/python" ]; then
        local pybin
        pybin=$(find_python) ||
            die "no Python >= 3.11 found on PATH (tried python3.13, python3.12, python3.11, python3)"
        log "venv: creating .venv with $pybin ($("$pybin" -V 2>&1))"
        "$pybin" -m venv "$VENV" ||
            die "'$pybin -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)"
    fi
    "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null ||
        die ".venv/bin/python is broken or older than 3.11: remove .venv and run this again"
}

pip_install() { "$PY" -m pip install --disable-pip-version-check "$@"; }

venv_hash() { cat pyproject.toml "$CONSTRAINTS" | sha256; }

setup_venv() {
    ensure_venv
    [ -f "$CONSTRAINTS" ] || die "$CONSTRAINTS is missing (regenerate it with: make lock)"
    local want have=""
    want=$(venv_hash)
    [ -f "$STAMP" ] && have=$(cat "$STAMP")
    if [ "$want" = "$have" ]; then
        log "venv: .venv up to date ($("$PY" -V 2>&1))"
        return
    fi
    log "venv: pip install -c $CONSTRAINTS -e '.[dev]'"
    pip_install -q -c "$CONSTRAINTS" -e '.[dev]' ||
        die "pip install failed (if a new dependency clashes with the pins, run: make lock)"
    printf '%s\n' "$want" >"$STAMP"
}

lock() {
    ensure_venv
    mkdir -p requirements
    log "lock: pip install ${LOCK_PIP_ARGS:-} -e '.[dev]' (without constraints)"
    # shellcheck disable=SC2086  # LOCK_PIP_ARGS is a list of words on purpose
    pip_install -q ${LOCK_PIP_ARGS:-} -e '.[dev]'
    local tmp="$CONSTRAINTS.tmp"
    {
        echo "# Lock file: the exact versions of every dependency of komeji (incl. the dev extra),"
        echo "# used as pip constraints by scripts/setup.sh:"
        echo "#     pip install -c requirements/constraints.txt -e '.[dev]'"
        echo "# Generated by 'pip freeze --exclude-editable' from .venv ($("$PY" -V 2>&1), $(uname -s))."
        echo "# Do not edit by hand. Regenerate it after changing pyproject.toml with:"
        echo "#     make lock                              (keep current pins, add new deps)"
        echo "#     make lock LOCK_PIP_ARGS=--upgrade      (upgrade everything)"
        "$PY" -m pip freeze --disable-pip-version-check --exclude-editable
    } >"$tmp"
    mv "$tmp" "$CONSTRAINTS"
    venv_hash >"$STAMP"
    log "lock: wrote $CONSTRAINTS ($(grep -vc '^#' "$CONSTRAINTS") packages)"
}

# ----------------------------------------------------------------- PostgreSQL

# Connects to a maintenance database (argv[1], a libpq DSN or URI), creates the
# database argv[2] if missing. Exit 3: cannot connect; 0: ok; anything else: error.
PG_ENSURE_DB='
import sys
import psycopg2
from psycopg2 import sql
dsn, dbname = sys.argv[1], sys.argv[2]
try:
    conn = psycopg2.connect(dsn, connect_timeout=3)
except psycopg2.OperationalError:
    sys.exit(3)
conn.autocommit = True
with conn.cursor() as cur:
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
    if cur.fetchone() is None:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        print("PostgreSQL: created database " + dbname)
conn.close()
'

# pg_ensure_db DSN -> 0 ok, 3 unreachable; dies on other errors (e.g. no CREATEDB right).
pg_ensure_db() {
    local rc=0
    "$PY" -c "$PG_ENSURE_DB" "$1" "$DB_NAME" || rc=$?
    case $rc in
        0 | 3) return $rc ;;
        *) die "PostgreSQL at '$1' is reachable but preparing database $DB_NAME failed" ;;
    esac
}

# Directory with initdb/pg_ctl: highest /usr/lib/postgresql/*/bin, else pg_config --bindir.
pg_bindir() {
    local d best="" want="${1:-}"
    if [ -n "$want" ] && [ -x "/usr/lib/postgresql/$want/bin/pg_ctl" ]; then
        echo "/usr/lib/postgresql/$want/bin"
        return 0
    fi
    best=$(for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && echo "$d"
    done | sort -V | tail -n 1)
    if [ -z "$best" ] && command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir 2>/dev/null || true)
        [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && best=$d
    fi
    [ -n "$best" ] && echo "$best"
}

pg_major() { "$1/pg_ctl" --version | awk '{print $3}' | cut -d. -f1; }

# Run a PostgreSQL binary as the cluster owner: the postgres user when we are root
# (initdb and pg_ctl refuse to run as root), ourselves otherwise.
as_pg_owner() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# Start (or reuse) the private cluster in .local/pg. Prints nothing on stdout;
# returns nonzero (after saying why) when it cannot be used.
private_pg() {
    local bindir major want_major="" url_admin opts status=0
    if is_root; then
        if ! id -u postgres >/dev/null 2>&1 || ! command -v runuser >/dev/null 2>&1; then
            warn "private PostgreSQL: running as root needs the 'postgres' user and runuser; skipping"
            return 1
        fi
    fi
    [ -f "$PG_DIR/PG_VERSION" ] && want_major=$(cat "$PG_DIR/PG_VERSION")
    if ! bindir=$(pg_bindir "$want_major"); then
        log "private PostgreSQL: no system PostgreSQL binaries (/usr/lib/postgresql/*/bin, pg_config); skipping"
        return 1
    fi
    major=$(pg_major "$bindir")
    if [ -n "$want_major" ] && [ "$want_major" != "$major" ]; then
        warn "private PostgreSQL: .local/pg is a PostgreSQL $want_major cluster but only $major binaries exist; skipping (remove .local/pg to recreate it)"
        return 1
    fi
    if [ ! -f "$PG_DIR/PG_VERSION" ]; then
        rm -rf "$PG_DIR"
        mkdir -p "$PG_DIR"
    fi
    if is_root; then
        chown postgres: "$PG_DIR"
        chmod 700 "$PG_DIR"
        if ! runuser -u postgres -- test -w "$PG_DIR" -a -x "$PG_DIR"; then
            warn "private PostgreSQL: the postgres user cannot reach $PG_DIR (a parent directory is not traversable by it); skipping"
            return 1
        fi
    fi
    if [ ! -f "$PG_DIR/PG_VERSION" ]; then
        log "private PostgreSQL: initdb .local/pg (PostgreSQL $major)"
        if ! as_pg_owner "$bindir/initdb" -D "$PG_DIR" -U postgres --auth=trust \
            --encoding=UTF8 --no-locale --no-sync >"$LOCAL/pg-initdb.log" 2>&1; then
            warn "private PostgreSQL: initdb failed, see .local/pg-initdb.log"
            rm -rf "$PG_DIR"
            return 1
        fi
    fi
    url_admin="host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres"
    as_pg_owner "$bindir/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        opts="-p $PG_PORT -c listen_addresses=127.0.0.1 -c fsync=off"
        # Unix socket in the data dir, unless the path is too long for a socket name.
        if [ "${#PG_DIR}" -lt 80 ]; then
            opts="$opts -k '$PG_DIR'"
        else
            opts="$opts -c unix_socket_directories=''"
        fi
        if ! as_pg_owner "$bindir/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" \
            -o "$opts" -w -t 60 start >/dev/null 2>&1; then
            warn "private PostgreSQL: pg_ctl start failed (port $PG_PORT busy?); last lines of .local/pg/server.log:"
            tail -n 5 "$PG_DIR/server.log" >&2 2>/dev/null || true
            return 1
        fi
        PG_STATE="started"
    else
        PG_STATE="already running"
    fi
    if ! pg_ensure_db "$url_admin"; then
        warn "private PostgreSQL: running but not accepting connections on 127.0.0.1:$PG_PORT"
        return 1
    fi
    PG_MAJOR=$major
}

# Start (or reuse) pgserver's embedded PostgreSQL; prints the komeji URL (unix socket).
PGSERVER_START='
import sys
import pgserver
import psycopg2
from psycopg2 import sql
path, dbname = sys.argv[1], sys.argv[2]
srv = pgserver.get_server(path, cleanup_mode=None)  # None: keep it running after we exit
conn = psycopg2.connect(srv.get_uri(), connect_timeout=3)
conn.autocommit = True
with conn.cursor() as cur:
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,))
    if cur.fetchone() is None:
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        print("PostgreSQL: created database " + dbname, file=sys.stderr)
conn.close()
print(srv.get_uri(dbname))
'

setup_postgres() {
    local prev="$1"
    if [ -n "${DATABASE_URL:-}" ] && [ "${DATABASE_URL}" != "$prev" ] &&
        [ "${DATABASE_URL}" != "${KOMEJI_SETUP_DATABASE_URL:-}" ]; then
        log "PostgreSQL: DATABASE_URL from the environment"
        return
    fi
    if [ "${KOMEJI_FORCE_PRIVATE_SERVICES:-}" != 1 ] && [ "${KOMEJI_FORCE_PGSERVER:-}" != 1 ]; then
        if pg_ensure_db "host=127.0.0.1 port=5432 user=postgres dbname=postgres"; then
            DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME"
            log "PostgreSQL: local server on 127.0.0.1:5432, database $DB_NAME"
            return
        fi
    fi
    local try_private=1
    [ "${KOMEJI_FORCE_PGSERVER:-}" = 1 ] && try_private=0
    # Sticky: once this checkout's data lives in pgserver (e.g. because the postgres user
    # could not reach .local/pg), do not silently switch to a new, empty private cluster.
    if [ "$try_private" = 1 ] && [ -f "$PGSERVER_DIR/PG_VERSION" ] && [ ! -f "$PG_DIR/PG_VERSION" ]; then
        log "PostgreSQL: .local/pgserver already holds this checkout's database, keeping pgserver (make clean-local to start afresh)"
        try_private=0
    fi
    if [ "$try_private" = 1 ] && private_pg; then
        DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/$DB_NAME"
        log "PostgreSQL: private cluster .local/pg on 127.0.0.1:$PG_PORT (PostgreSQL $PG_MAJOR, $PG_STATE), database $DB_NAME"
        return
    fi
    if ! "$PY" -c 'import pgserver' >/dev/null 2>&1; then
        die "no PostgreSQL available (no server on 127.0.0.1:5432, no usable system binaries, pgserver not installed): set DATABASE_URL"
    fi
    if is_root && [ ! -d "$PGSERVER_DIR" ]; then
        warn "note: pgserver run as root uses a 'pgserver' system user (created if missing) and adds o+rx to the parent directories of .local/pgserver"
    fi
    mkdir -p "$LOCAL"
    DATABASE_URL=$("$PY" -W ignore -c "$PGSERVER_START" "$PGSERVER_DIR" "$DB_NAME") ||
        die "pgserver failed to start (see .local/pgserver/log); set DATABASE_URL to an existing server"
    log "PostgreSQL: embedded pgserver in .local/pgserver (unix socket), database $DB_NAME"
}

# ---------------------------------------------------------------------- Redis

# PING argv[1] (a redis:// URL), retrying for argv[2] seconds. Exit 3 if it never answers.
REDIS_PING='
import sys, time
import redis
url, wait = sys.argv[1], float(sys.argv[2])
deadline = time.monotonic() + wait
while True:
    try:
        if redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping():
            sys.exit(0)
    except (redis.exceptions.RedisError, OSError):
        pass
    if time.monotonic() >= deadline:
        sys.exit(3)
    time.sleep(0.1)
'
redis_ping() { "$PY" -c "$REDIS_PING" "$1" "${2:-0}"; }

apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y "$@" || { apt-get update && apt-get install -y "$@"; }
}

setup_redis() {
    local prev="$1" url="redis://127.0.0.1:$REDIS_PORT" pid=""
    if [ -n "${REDIS_URL:-}" ] && [ "${REDIS_URL}" != "$prev" ] &&
        [ "${REDIS_URL}" != "${KOMEJI_SETUP_REDIS_URL:-}" ]; then
        log "Redis: REDIS_URL from the environment"
        return
    fi
    if [ "${KOMEJI_FORCE_PRIVATE_SERVICES:-}" != 1 ] && redis_ping redis://127.0.0.1:6379; then
        REDIS_URL=redis://127.0.0.1:6379
        log "Redis: local server on 127.0.0.1:6379"
        return
    fi
    [ -f "$REDIS_DIR/redis.pid" ] && pid=$(cat "$REDIS_DIR/redis.pid")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && redis_ping "$url"; then
        REDIS_URL=$url
        log "Redis: private server on 127.0.0.1:$REDIS_PORT (already running, pid $pid)"
        return
    fi
    if ! command -v redis-server >/dev/null 2>&1; then
        if is_root && command -v apt-get >/dev/null 2>&1; then
            log "Redis: redis-server missing, installing it (apt-get install -y redis-server)"
            apt_install redis-server >"$LOCAL/apt-redis.log" 2>&1 ||
                die "apt-get install redis-server failed, see .local/apt-redis.log"
        else
            die "no Redis on 127.0.0.1:6379 and redis-server is not installed: install it (e.g. apt-get install redis-server / brew install redis) or set REDIS_URL"
        fi
    fi
    mkdir -p "$REDIS_DIR"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
        --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" ||
        die "redis-server failed to start, see .local/redis/redis.log"
    redis_ping "$url" 10 ||
        die "private redis-server does not answer on 127.0.0.1:$REDIS_PORT (port busy?), see .local/redis/redis.log"
    REDIS_URL=$url
    log "Redis: private server on 127.0.0.1:$REDIS_PORT (started, pid $(cat "$REDIS_DIR/redis.pid" 2>/dev/null || echo '?'))"
}

# --------------------------------------------------------------- translations

compile_translations() {
    command -v msgfmt >/dev/null 2>&1 || return 0
    [ -f manage.py ] && [ -d locale ] || return 0
    local po stale=""
    while IFS= read -r po; do
        if [ ! -f "${po%.po}.mo" ] || [ "$po" -nt "${po%.po}.mo" ]; then
            stale=1
            break
        fi
    done < <(find . \( -path ./.venv -o -path ./.local -o -path ./.git -o -path ./node_modules \) -prune \
        -o -name '*.po' -print)
    [ -n "$stale" ] || return 0
    log "i18n: manage.py compilemessages"
    (. "$ENV_FILE" && "$PY" manage.py compilemessages --ignore=.venv --ignore=.local) ||
        die "manage.py compilemessages failed"
}

# ------------------------------------------------------------------ clean-up

# stop_pid PID NAME PATTERN SIGNAL: signal the process if its command line matches
# PATTERN, then wait for it to exit (30 s).
stop_pid() {
    local pid=$1 name=$2 pattern=$3 sig=$4 i
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    if ! ps -o args= -p "$pid" 2>/dev/null | grep -q -- "$pattern"; then
        warn "$name: pid $pid is not $pattern any more; not touching it"
        return 0
    fi
    log "stopping $name (pid $pid)"
    kill "-$sig" "$pid"
    for i in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    warn "$name (pid $pid) did not stop within 30 s"
    return 1
}

clean_local() {
    local ok=0 d
    # PostgreSQL: SIGINT = fast shutdown of the postmaster (works for both clusters,
    # whatever user they run as and wherever their binaries are).
    for d in "$PG_DIR" "$PGSERVER_DIR"; do
        [ -f "$d/postmaster.pid" ] || continue
        stop_pid "$(head -n 1 "$d/postmaster.pid")" "PostgreSQL in ${d#"$ROOT"/}" postgres INT || ok=1
    done
    if [ -f "$REDIS_DIR/redis.pid" ]; then
        stop_pid "$(cat "$REDIS_DIR/redis.pid")" "Redis in .local/redis" redis-server TERM || ok=1
    fi
    [ "$ok" -eq 0 ] || die "some services did not stop; .local kept"
    rm -rf "$LOCAL"
    log "removed .local"
}

# ----------------------------------------------------------------------- main

main() {
    case "${1:-}" in
        --venv-only)
            setup_venv
            return
            ;;
        --lock)
            lock
            return
            ;;
        --clean-local)
            clean_local
            return
            ;;
        "") ;;
        *) die "unknown argument: $1 (expected --venv-only, --lock or --clean-local)" ;;
    esac

    setup_venv
    mkdir -p "$LOCAL"

    # Values written last time: if the environment still carries exactly these
    # (someone sourced .local/env.sh), they are not the user's choice: detect again.
    local prev_db="" prev_redis=""
    if [ -f "$ENV_FILE" ]; then
        prev_db=$(unset DATABASE_URL && . "$ENV_FILE" >/dev/null 2>&1 && printf '%s' "${DATABASE_URL:-}") || true
        prev_redis=$(unset REDIS_URL && . "$ENV_FILE" >/dev/null 2>&1 && printf '%s' "${REDIS_URL:-}") || true
    fi
    setup_postgres "$prev_db"
    setup_redis "$prev_redis"

    {
        echo "# Generated by scripts/setup.sh: do not edit, it is rewritten by every run."
        echo "# Use: . .local/env.sh"
        echo "export DATABASE_URL=$(sq "$DATABASE_URL") REDIS_URL=$(sq "$REDIS_URL")"
        echo "export KOMEJI_SETUP_DATABASE_URL=\"\$DATABASE_URL\" KOMEJI_SETUP_REDIS_URL=\"\$REDIS_URL\""
        echo 'export DJANGO_DEBUG=${DJANGO_DEBUG:-true}'
    } >"$ENV_FILE.tmp"
    mv "$ENV_FILE.tmp" "$ENV_FILE"

    # A development tree gets a .env (git-ignored, read by komeji/settings.py) so that a plain
    # `.venv/bin/python manage.py ...` works without sourcing env.sh. Never overwritten.
    if [ ! -e .env ]; then
        {
            echo "# Development settings written by scripts/setup.sh (never in production)."
            echo "DJANGO_DEBUG=true"
            echo "DATABASE_URL=$DATABASE_URL"
            echo "REDIS_URL=$REDIS_URL"
        } >.env
        log "setup: wrote .env for development (DJANGO_DEBUG=true)"
    fi

    compile_translations
    log "setup: done; environment in .local/env.sh"
}

main "$@"
