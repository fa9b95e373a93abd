#!/usr/bin/env bash
# The embedded demo: SQLite in var/, Celery tasks run in-process, demo data loaded.
# Serves on http://127.0.0.1:8000/ (override with HOST and PORT).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
PYTHON="${PYTHON:-python3}"
export DJANGO_SETTINGS_MODULE=portal.settings.dev
# The demo shows the portal's own (Dutch) error pages; DJANGO_DEBUG=true gives Django's debug pages instead.
export DJANGO_DEBUG="${DJANGO_DEBUG:-false}"

log() { printf '==> %s\n' "$*" >&2; }

# Debian's python3 needs python3-venv for "python3 -m venv"; gettext compiles the Dutch texts.
packages=()
if [ ! -x .venv/bin/python ] && ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
    packages+=(python3-venv)
fi
if compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null && ! command -v msgfmt >/dev/null 2>&1; then
    packages+=(gettext)
fi
if [ "${#packages[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        log "Installing ${packages[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
    else
        printf 'Please install first: sudo apt-get install %s\n' "${packages[*]}" >&2
        exit 1
    fi
fi

if [ ! -x .venv/bin/python ]; then
    log "Creating .venv"
    "$PYTHON" -m venv .venv
fi
log "Installing the project into .venv"
if ! pip_log="$(.venv/bin/python -m pip install -q --disable-pip-version-check -e . 2>&1)"; then
    printf '%s\n' "$pip_log" >&2
    exit 1
fi

mkdir -p var
if compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null; then
    .venv/bin/python manage.py compilemessages -v 0 -i .venv -i node_modules
fi
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py load_demo

log "Meldpunt runs on http://$HOST:$PORT/ (stop with Ctrl+C)"
exec .venv/bin/python manage.py runserver "$HOST:$PORT"
