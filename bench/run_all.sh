#!/usr/bin/env bash
# Run every benchmark against one database and collect the figures in bench/out/results.jsonl.
#
#   bench/run_all.sh [URL]          (default: postgresql://postgres@127.0.0.1:5432/kaohe_bench)
#   BUILD=1 bench/run_all.sh URL    (first build the data set into an empty database)
#   KAOHE_APP_ROOT=/path/to/other/checkout bench/run_all.sh URL   (measure other code)
#
# The web benchmark (gunicorn) runs only on PostgreSQL, as the issue asks.
set -euo pipefail
cd "$(dirname "$0")"
URL="${1:-postgresql://postgres@127.0.0.1:5432/kaohe_bench}"
PY=../.venv/bin/python
if [[ "${BUILD:-0}" == "1" ]]; then
  $PY make_data.py --url "$URL" ${CADRES:+--cadres "$CADRES"} ${YEARS:+--years "$YEARS"}
fi
$PY bench_transitions.py --url "$URL" --n "${N_TRANSITIONS:-300}"
$PY bench_batch.py --url "$URL" --n "${N_BATCH:-1000}"
$PY bench_open_cycle.py --url "$URL"
$PY bench_grading.py --url "$URL"
if [[ "$URL" == postgres* ]]; then
  $PY bench_web.py --url "$URL" --seconds "${SECONDS_WEB:-15}"
fi
$PY bench_memory.py --url "$URL"
