#!/usr/bin/env bash
# Run every benchmark against one database and collect the figures in bench/out/results.jsonl;
# at the end, summary.py prints this run's figures side by side with their baselines.
#
#   bench/run_all.sh [URL]          (default: postgresql://postgres@127.0.0.1:5432/kaohe_bench)
#   BUILD=1 bench/run_all.sh URL    (first build the data set into an empty database)
#   KAOHE_APP_ROOT=/path/to/other/checkout bench/run_all.sh URL   (measure other code)
#   PY=/path/to/python bench/run_all.sh URL   (default: the checkout's .venv)
#   BENCH_RUN=name bench/run_all.sh URL       (the run id written into each line; default:
#                                              the UTC time and the database kind)
#
# The web benchmark (gunicorn) runs only on PostgreSQL, as the issue asks. A benchmark
# that fails is reported and the others still run; the exit status is then 1.
set -uo pipefail
cd "$(dirname "$0")"
URL="${1:-postgresql://postgres@127.0.0.1:5432/kaohe_bench}"
PY="${PY:-../.venv/bin/python}"
KIND=$([[ "$URL" == postgres* ]] && echo postgresql || echo sqlite)
export BENCH_RUN="${BENCH_RUN:-$(date -u +%Y%m%dT%H%M%SZ)-$KIND}"
FAILED=0
step() { "$PY" "$@" || { echo "FAILED: $*" >&2; FAILED=1; }; }

if [[ "${BUILD:-0}" == "1" ]]; then
  "$PY" make_data.py --url "$URL" ${CADRES:+--cadres "$CADRES"} ${YEARS:+--years "$YEARS"} || exit 1
fi
step bench_transitions.py --url "$URL" --n "${N_TRANSITIONS:-300}"
step bench_batch.py --url "$URL" --n "${N_BATCH:-1000}"
step bench_open_cycle.py --url "$URL"
step bench_grading.py --url "$URL"
if [[ "$KIND" == postgresql ]]; then
  step bench_web.py --url "$URL" --seconds "${SECONDS_WEB:-15}"
fi
step bench_memory.py --url "$URL"
"$PY" summary.py --run "$BENCH_RUN"
exit $FAILED
