#!/usr/bin/env bash
# Fuzz the running API with schemathesis's CLI: any 5xx (or a response that breaks its own
# schema) fails the run. Starts its own server on a free port against its own database
# (migrated, demo data loaded), so it never touches the development or CI databases.
#
#   scripts/schemathesis.sh                       # SQLite in a temporary folder
#   SCHEMATHESIS_DATABASE_URL=postgres://postgres@127.0.0.1:5432/scoreboard_schemathesis \
#     scripts/schemathesis.sh                     # PostgreSQL (the database is created)
#
# Budget: MAX_EXAMPLES (default 10) generated cases per operation in the fuzzing phase, plus
# the coverage phase's boundary cases, for a superuser and a unit chair: about 1,000 requests
# and 40 s each on this machine, under 2 minutes in all with the set-up. TIME_LIMIT (default
# 300 s per user) only guards against a hang; a run it stops counts as failed.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
ST=${ST:-$PWD/.venv/bin/schemathesis}
MAX_EXAMPLES=${MAX_EXAMPLES:-10}
TIME_LIMIT=${TIME_LIMIT:-300}
WORK=$(mktemp -d)
export DATABASE_URL=${SCHEMATHESIS_DATABASE_URL:-sqlite:///$WORK/schemathesis.sqlite3}
# No broker: upload validation runs in the request, and no message is left in a queue that
# a later worker test would consume.
export CELERY_BROKER_URL="" REDIS_URL="" CELERY_TASK_ALWAYS_EAGER=1
export MEDIA_ROOT="$WORK/media" SCOREBOARD_PRODUCTION=0 DEBUG=0
# Generous limits: the fuzzer is one fast client.
export API_THROTTLE_USER=100000/minute API_THROTTLE_ANON=100000/minute API_THROTTLE_UPLOADS=100000/minute

"$PY" scripts/ensure_database.py "$DATABASE_URL"

"$PY" manage.py migrate --noinput >/dev/null
"$PY" manage.py setup_demo >/dev/null
"$PY" manage.py shell -c "
from django.contrib.auth import get_user_model
User = get_user_model()
if not User.objects.filter(username='schemathesis').exists():
    User.objects.create_superuser('schemathesis', 'schemathesis@localhost', None)
" >/dev/null
tokens=("$("$PY" manage.py create_api_token schemathesis --rotate 2>/dev/null)")
# A unit chair of the demo, when the demo has one: the scoped paths get fuzzed too.
if chair=$("$PY" manage.py create_api_token chutich.tanbinh --rotate 2>/dev/null); then tokens+=("$chair"); fi

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$PY" manage.py runserver --noreload --nothreading "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$PY" - "$PORT" <<'EOF'
import sys, time, urllib.request
for _ in range(120):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthz", timeout=2)
        break
    except OSError:
        time.sleep(0.5)
else:
    sys.exit("the server did not start")
EOF

status=0
for token in "${tokens[@]}"; do
  # From the scratch folder: schemathesis keeps its cache of crashes in ./.schemathesis.
  (cd "$WORK" && timeout "$TIME_LIMIT" "$ST" run "http://127.0.0.1:$PORT/api/schema/" \
    --header "Authorization: Token $token" \
    --checks not_a_server_error,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "$MAX_EXAMPLES" \
    --workers 1 \
    --seed 766 \
    --generation-database none \
    --request-timeout 30 \
    --no-color) || status=$?
done
if grep -q "Internal Server Error" "$WORK/server.log"; then
  echo "The server logged errors:" >&2
  grep -A20 "Internal Server Error" "$WORK/server.log" | head -80 >&2
  status=1
fi
exit "$status"
