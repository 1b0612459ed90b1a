#!/usr/bin/env bash
# Set up and run the example project: the site under uvicorn (ASGI: streamed answers, the gateway
# at /v1/) and a Celery worker with beat. SQLite and a file-system broker by default: nothing else
# to install. DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://... choose PostgreSQL and
# Redis. Without OPENAI_API_KEY or OPENAI_BASE_URL it runs offline against the fake OpenAI server,
# paced in real time so that answers stream visibly. Stop with Ctrl-C.
#
# Everything it writes goes under var/ (DEMO_VAR_DIR), and the virtualenv in .venv (VENV); a
# second run reuses both, and the demo's user and assistants. DEMO_ADDR (127.0.0.1:8000) and
# FAKE_OPENAI_PORT (8765) choose the ports; DEMO_INSTALL=0 skips the pip steps, for a VENV you
# manage yourself.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
ADDR=${DEMO_ADDR:-127.0.0.1:8000}
case "$ADDR" in *:*) ;; *) ADDR="127.0.0.1:$ADDR" ;; esac  # a bare port is fine too
export DEMO_VAR_DIR=${DEMO_VAR_DIR:-$PWD/var}
mkdir -p "$DEMO_VAR_DIR"

if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "django-openai needs Python 3.11 or later; $PYTHON is $("$PYTHON" --version 2>&1)." >&2
    echo "Run with PYTHON=/path/to/python3.11 (or later)." >&2
    exit 1
  fi
  echo "Creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
extras=fast
case "${DATABASE_URL:-}" in postgres*) extras="$extras,postgres" ;; esac
case "${CELERY_BROKER_URL:-}" in redis*) extras="$extras,redis" ;; esac
# Installed once per set of extras; again only when pyproject.toml changes.
stamp="$VENV/.django-openai-demo-${extras//,/-}"
if [ "${DEMO_INSTALL:-1}" != 0 ] && { [ ! -e "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; }; then
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".[$extras]" "uvicorn>=0.30"
  touch "$stamp"
fi

# A busy port would stop one part of the demo half-way through start-up: say so before.
port_free() {
  "$VENV/bin/python" -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))' "$1" "$2" 2>/dev/null
}
if ! port_free "${ADDR%:*}" "${ADDR##*:}"; then
  echo "$ADDR is in use: choose another address, e.g. DEMO_ADDR=127.0.0.1:8001 bash $0" >&2
  exit 1
fi

export DJANGO_SETTINGS_MODULE=example_project.settings
"$VENV/bin/python" manage.py migrate --noinput -v 0
# The demo's data: the admin user and two assistants, created once, reused afterwards.
"$VENV/bin/python" manage.py demo_setup --password "${DEMO_ADMIN_PASSWORD:-admin}"

pids=()
helpers=()
fake_data="$DEMO_VAR_DIR/fake-openai"
cleanup() {
  trap - EXIT INT TERM
  for pid in "${helpers[@]}" "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$fake_data"
}
trap cleanup EXIT INT TERM

if [ -z "${OPENAI_API_KEY:-}" ] && [ -z "${OPENAI_BASE_URL:-}" ]; then
  port=${FAKE_OPENAI_PORT:-8765}
  if ! port_free 127.0.0.1 "$port"; then
    echo "Port $port is in use: choose another one for the fake server, e.g. FAKE_OPENAI_PORT=8766 bash $0" >&2
    exit 1
  fi
  export FAKE_OPENAI_URL="http://127.0.0.1:$port/v1"
  # The fake keeps uploaded files under var/, so that nothing is left elsewhere.
  mkdir -p "$fake_data"
  # Its clock runs with wall time: batches move on by themselves, answers arrive word by word.
  "$VENV/bin/python" -m django_openai.testing --port "$port" --data-dir "$fake_data" \
    --first-token-ms "${FAKE_OPENAI_FIRST_TOKEN_MS:-300}" --token-ms "${FAKE_OPENAI_TOKEN_MS:-60}" &
  pids+=($!)
  echo "No OPENAI_API_KEY nor OPENAI_BASE_URL: using the fake OpenAI server at $FAKE_OPENAI_URL"
fi

"$VENV/bin/celery" -A example_project.celery worker --beat --pool solo --loglevel WARNING &
pids+=($!)

# ASGI: answers stream without holding a thread each, and the gateway's fast mount answers /v1/.
"$VENV/bin/python" -m uvicorn example_project.asgi:application --host "${ADDR%:*}" --port "${ADDR##*:}" \
  --timeout-graceful-shutdown 5 &
pids+=($!)

# Say where to go once the site answers, not before (the worker's log would bury it).
(
  for _ in $(seq 1 240); do
    if "$VENV/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
      "http://$ADDR/" 2>/dev/null; then
      printf '\n  Ready: open http://%s/ (admin: admin / %s). Stop with Ctrl-C.\n\n' \
        "$ADDR" "${DEMO_ADMIN_PASSWORD:-admin}"
      exit 0
    fi
    sleep 0.5
  done
) &
helpers+=($!)

wait -n "${pids[@]}"
