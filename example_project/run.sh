#!/usr/bin/env bash
# Set up and run the example project: the web server and a Celery worker (with beat).
# SQLite and a file-system broker: nothing else to install. Without OPENAI_API_KEY it runs
# offline against the fake OpenAI server. Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
ADDR=${DEMO_ADDR:-127.0.0.1:8000}

if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e ".[fast]"

export DJANGO_SETTINGS_MODULE=example_project.settings
"$VENV/bin/python" manage.py migrate --noinput -v 0
DJANGO_SUPERUSER_PASSWORD=${DEMO_ADMIN_PASSWORD:-admin} \
  "$VENV/bin/python" manage.py createsuperuser --noinput --username admin --email admin@example.com >/dev/null 2>&1 || true

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if [ -z "${OPENAI_API_KEY:-}" ]; then
  port=${FAKE_OPENAI_PORT:-8765}
  export FAKE_OPENAI_URL="http://127.0.0.1:$port/v1"
  "$VENV/bin/python" -m django_openai.testing --port "$port" --real-time &
  pids+=($!)
  echo "No OPENAI_API_KEY: using the fake OpenAI server at $FAKE_OPENAI_URL"
fi

"$VENV/bin/celery" -A example_project.celery worker --beat --pool solo --loglevel INFO &
pids+=($!)

echo "Open http://$ADDR/ (admin: admin / ${DEMO_ADMIN_PASSWORD:-admin})"
"$VENV/bin/python" manage.py runserver "$ADDR" --noreload &
pids+=($!)
wait -n "${pids[@]}"
