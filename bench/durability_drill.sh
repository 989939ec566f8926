#!/usr/bin/env bash
# Durability drill: kill -9 the server during a burst of 1,000 concurrent intakes; after the
# restart every matter that was acknowledged (201) exists exactly once, and retrying the
# unanswered requests with their Idempotency-Key creates each of them exactly once.
#
#   bash bench/durability_drill.sh                # SQLite in a temporary folder
#   psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE bench_drill"
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_drill bash bench/durability_drill.sh
#
# Prepares the database (migrate, demo organisation, an API token for demo-clerk), then runs
# bench/durability_drill.py, which starts `zhili serve --no-worker` on a free 127.0.0.1 port,
# fires the burst (REQUESTS requests from THREADS threads), SIGKILLs every server process after
# KILL_AFTER answers, restarts, retries, stops the server and checks the database. Prints PASS or
# FAIL and exits 0 / 1. Bounded: the drill gives up after DEADLINE seconds, `timeout` kills it
# 60 s later.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${REQUESTS:-1000}
THREADS=${THREADS:-32}
KILL_AFTER=${KILL_AFTER:-300}
DEADLINE=${DEADLINE:-300}
export ZHILI_VAR_DIR=${ZHILI_VAR_DIR:-$(mktemp -d /tmp/zhili-drill.XXXXXX)}
export LOG_LEVEL=WARNING
BIN=.venv/bin
$BIN/zhili migrate --noinput -v0
$BIN/zhili seed-demo >/dev/null
ZHILI_TOKEN=$($BIN/zhili issue-token demo-clerk --days 1 --reason "durability drill")
ZHILI_UNIT=$($BIN/zhili shell -c "from zhili.org.models import Unit; print(Unit.objects.get(code='511102').pk)" 2>/dev/null | tail -1)
export ZHILI_TOKEN ZHILI_UNIT
timeout --signal=KILL $((DEADLINE + 60)) $BIN/python bench/durability_drill.py \
  --requests "$REQUESTS" --threads "$THREADS" --kill-after "$KILL_AFTER" --deadline "$DEADLINE"
