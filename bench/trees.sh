#!/usr/bin/env bash
# Forest benchmark (issue 5): RandomForestClassifier(100 trees, max_depth 12, 20k training rows) scored
# on 100,000 x 20 rows by scikit-learn 1.9 (n_jobs=1 and all cores) and by skbridge (1 and 2 threads)
# in the same run; checks that skbridge's predict_proba equals scikit-learn's, prints the ratios
# (medians of whole 100k-row batches), then the fastest-of-many-short-runs figures of both.
#   bench/trees.sh [BUILD_DIR]     (needs root for the environment; the model is cached in bench/.cache)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
mkdir -p bench/.cache
if [ ! -f bench/.cache/forest100.joblib ]; then
  SKBRIDGE_WORK=$PWD tools/sklenv run sid bench/forest_model.py make bench/.cache
fi
cmake --build "$BUILD" --target bench_trees >/dev/null
"$BUILD/bench/bench_trees" --check bench/.cache
py1=$(SKBRIDGE_WORK=$PWD tools/sklenv run sid bench/forest_model.py time bench/.cache 1)
pyall=$(SKBRIDGE_WORK=$PWD tools/sklenv run sid bench/forest_model.py time bench/.cache all)
echo "scikit-learn n_jobs=1:  $py1"
echo "scikit-learn n_jobs=-1: $pyall"
"$BUILD/bench/bench_trees" --load-only bench/.cache/forest100.joblib
json=$("$BUILD/bench/bench_trees" --dir bench/.cache --benchmark_format=json --benchmark_repetitions=3 \
       --benchmark_report_aggregates_only=true 2>/dev/null)
get() {  # get NAME FIELD: median of a benchmark's FIELD
  python3 -c 'import json,sys; d=json.load(sys.stdin); print([b for b in d["benchmarks"] if b["name"]==sys.argv[1]+"_median"][0][sys.argv[2]])' "$1" "$2" <<<"$json"
}
sk1=$(get BM_Forest_Batch/1/real_time items_per_second)
sk2=$(get BM_Forest_Batch/2/real_time items_per_second)
lat=$(get BM_Forest_SingleRow real_time)
pyr1=$(sed 's/.*rows_per_s=\([0-9.]*\).*/\1/' <<<"$py1"); pyrall=$(sed 's/.*rows_per_s=\([0-9.]*\).*/\1/' <<<"$pyall")
pylat=$(sed 's/.*single_row_us=\([0-9.]*\).*/\1/' <<<"$py1")
printf 'skbridge 1 thread:  %8.0f rows/s   (%.1fx scikit-learn n_jobs=1)\n' "$sk1" "$(echo "$sk1 / $pyr1" | bc -l)"
printf 'skbridge 2 threads: %8.0f rows/s   (%.1fx scikit-learn n_jobs=-1)\n' "$sk2" "$(echo "$sk2 / $pyrall" | bc -l)"
printf 'single row:         %8.2f us       (scikit-learn %s us)\n' "$lat" "$pylat"
# The same comparison as the fastest of many short runs: robust when other jobs share the machine.
SKBRIDGE_WORK=$PWD tools/sklenv run sid bench/forest_model.py quick bench/.cache
"$BUILD/bench/bench_trees" --quick bench/.cache
