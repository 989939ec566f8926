#!/usr/bin/env bash
# Benchmark: matter intake through the REST API, load from a second process (wrk).
#
#   bash bench/intake_load.sh                 # SQLite in a temporary folder
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_intake bash bench/intake_load.sh
#
# Starts `zhili serve --no-worker` (gunicorn, ZHILI_WEB_WORKERS × ZHILI_WEB_THREADS), loads the
# demo organisation, issues an API token for demo-clerk, then runs wrk for DURATION seconds with
# CONNECTIONS connections. Needs Debian's wrk (apt-get install wrk). Target: >= 300 matters/s,
# p99 < 150 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18765}
export ZHILI_VAR_DIR=${ZHILI_VAR_DIR:-$(mktemp -d /tmp/zhili-intake.XXXXXX)}
export LOG_LEVEL=WARNING
BIN=.venv/bin
$BIN/zhili migrate --noinput -v0
$BIN/zhili seed-demo >/dev/null
export ZHILI_TOKEN=$($BIN/zhili issue-token demo-clerk --days 1 --reason "intake benchmark")
export ZHILI_UNIT=$($BIN/zhili shell -c "from zhili.org.models import Unit; print(Unit.objects.get(code='511102').pk)" 2>/dev/null | tail -1)
$BIN/zhili serve --no-worker --port "$PORT" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
before=$($BIN/zhili shell -c "from zhili.matters.models import Matter; print(Matter.objects.count())" 2>/dev/null | tail -1)
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/intake.lua "http://127.0.0.1:$PORT" | grep -E "Requests/sec|requests|p50|Latency"
after=$($BIN/zhili shell -c "from zhili.matters.models import Matter; print(Matter.objects.count())" 2>/dev/null | tail -1)
echo "matters created: $((after - before)) in ${DURATION}s = $(( (after - before) / DURATION ))/s"
