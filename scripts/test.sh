#!/usr/bin/env bash
# Run the whole test suite against real PostgreSQL and Redis on this machine.
#
# On Debian/Ubuntu it installs what is missing (PostgreSQL, Redis, Chromium for the browser
# tests, Node.js for axe-core and the OpenID provider of the sign-in tests), starts PostgreSQL and Redis when they are not answering,
# makes sure the database exists, prepares .venv and node_modules, and then runs pytest.
# Extra arguments go to pytest, e.g.  bash scripts/test.sh tests/incidents -k takedown
#
# Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/meldpunt),
# CELERY_BROKER_URL (default redis://127.0.0.1:6379/15), PLAYWRIGHT_CHROMIUM_EXECUTABLE
# (default /usr/bin/chromium), COVERAGE=0 to skip the coverage report.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/meldpunt}"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-redis://127.0.0.1:6379/15}"
export PLAYWRIGHT_CHROMIUM_EXECUTABLE="${PLAYWRIGHT_CHROMIUM_EXECUTABLE:-/usr/bin/chromium}"
export DJANGO_SETTINGS_MODULE=portal.settings.test
PYTHON="${PYTHON:-python3}"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "root or sudo is needed to run: $*"
    fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

is_local() { case "$1" in ""|localhost|127.0.0.1|::1) return 0 ;; *) return 1 ;; esac; }

wait_for() {  # wait_for NAME COMMAND...: up to 30 seconds
    local name="$1"; shift
    for _ in $(seq 1 30); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    die "$name is not answering"
}

# Split the service URLs into shell variables (db_user, db_pass, db_host, db_port, db_name,
# redis_host, redis_port) with the standard library only: this runs before .venv exists.
eval "$("$PYTHON" - <<'PY'
import os, shlex
from urllib.parse import unquote, urlsplit

db = urlsplit(os.environ["DATABASE_URL"])
redis = urlsplit(os.environ["CELERY_BROKER_URL"])
values = {
    "db_scheme": db.scheme,
    "db_user": unquote(db.username or "postgres"),
    "db_pass": unquote(db.password or ""),
    "db_host": db.hostname or "127.0.0.1",
    "db_port": str(db.port or 5432),
    "db_name": unquote(db.path.lstrip("/")),
    "redis_host": redis.hostname or "127.0.0.1",
    "redis_port": str(redis.port or 6379),
}
for key, value in values.items():
    print(f"{key}={shlex.quote(value)}")
PY
)"
case "$db_scheme" in
    postgres|postgresql|pgsql|psql) ;;
    *) die "DATABASE_URL must point to PostgreSQL, not $db_scheme" ;;
esac
[ -n "$db_name" ] || die "DATABASE_URL has no database name"

# --- Debian packages: only what is missing ----------------------------------------------
packages=()
if is_local "$db_host"; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls -A /etc/postgresql 2>/dev/null)" ]; then
        packages+=(postgresql)
    fi
elif ! command -v psql >/dev/null 2>&1; then
    packages+=(postgresql-client)
fi
if is_local "$redis_host" && ! command -v redis-server >/dev/null 2>&1; then
    packages+=(redis-server)
fi
command -v redis-cli >/dev/null 2>&1 || packages+=(redis-tools)
if [ ! -x "$PLAYWRIGHT_CHROMIUM_EXECUTABLE" ]; then
    packages+=(chromium)
fi
installed fonts-liberation || packages+=(fonts-liberation)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
if compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null && ! command -v msgfmt >/dev/null 2>&1; then
    packages+=(gettext)
fi
if [ ! -x .venv/bin/python ] && ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
    packages+=(python3-venv)
fi
if grep -qi weasyprint pyproject.toml; then  # PDF rendering needs Pango
    for pkg in libpango-1.0-0 libpangoft2-1.0-0; do installed "$pkg" || packages+=("$pkg"); done
fi

if [ "${#packages[@]}" -gt 0 ]; then
    log "Installing ${packages[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

# --- PostgreSQL --------------------------------------------------------------------------
if is_local "$db_host" && ! pg_isready -q -h "$db_host" -p "$db_port"; then
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    if [ ! -d "/etc/postgresql/$version/main" ]; then
        as_root pg_createcluster "$version" main
    fi
    log "Starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
wait_for PostgreSQL pg_isready -q -h "$db_host" -p "$db_port"

export PGHOST="$db_host" PGPORT="$db_port" PGUSER="$db_user" PGDATABASE=postgres
if [ -n "$db_pass" ]; then export PGPASSWORD="$db_pass"; fi

if ! psql -qtAc 'SELECT 1' >/dev/null 2>&1; then
    is_local "$db_host" || die "cannot log in to PostgreSQL at $db_host:$db_port as $db_user"
    # A fresh install uses peer/password authentication: give the role a password, as postgres.
    if [ -z "$db_pass" ]; then
        db_pass=meldpunt
        export PGPASSWORD="$db_pass"
        export DATABASE_URL="postgres://$db_user:$db_pass@$db_host:$db_port/$db_name"
    fi
    log "Setting up PostgreSQL role $db_user"
    (cd /tmp && as_root env -u PGHOST -u PGUSER -u PGPASSWORD -u PGDATABASE \
        runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -v role="$db_user" -v pw="$db_pass") <<'SQL'
SELECT format('CREATE ROLE %I', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN SUPERUSER PASSWORD :'pw';
SQL
    psql -qtAc 'SELECT 1' >/dev/null || die "cannot log in to PostgreSQL as $db_user"
fi
if [ "$(psql -qtAc "SELECT 1 FROM pg_database WHERE datname = '${db_name//\'/\'\'}'")" != 1 ]; then
    log "Creating database $db_name"
    createdb "$db_name"
fi

# --- Redis -------------------------------------------------------------------------------
redis_ping() { [ "$(redis-cli -h "$redis_host" -p "$redis_port" ping 2>/dev/null)" = PONG ]; }
if is_local "$redis_host" && ! redis_ping; then
    log "Starting Redis"
    as_root mkdir -p /var/lib/redis /var/log/redis
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" \
        --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
wait_for Redis redis_ping

# --- Python and Node packages --------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
    log "Creating .venv"
    "$PYTHON" -m venv .venv
fi
log "Installing the project into .venv"
if ! pip_log="$(.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]" 2>&1)"; then
    printf '%s\n' "$pip_log" >&2
    exit 1
fi

if [ ! -f node_modules/.package-lock.json ] \
    || [ package-lock.json -nt node_modules/.package-lock.json ] \
    || [ package.json -nt node_modules/.package-lock.json ]; then
    log "Installing node packages"
    npm ci --no-audit --no-fund --loglevel=error
fi

if compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null; then
    .venv/bin/python manage.py compilemessages -v 0 -i .venv -i node_modules
fi

# --- Tests -------------------------------------------------------------------------------
cov_args=()
if [ "${COVERAGE:-1}" != 0 ]; then
    cov_args=(--cov=portal --cov=incidents --cov=sanctions --cov=consent --cov=meldpunt --cov-report=term:skip-covered)
fi
log "Running pytest"
exec .venv/bin/python -m pytest "${cov_args[@]}" "$@"
