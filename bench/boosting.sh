#!/usr/bin/env bash
# Boosting benchmark (issue 5): GradientBoostingRegressor (300 trees, depth 3) and
# HistGradientBoostingClassifier (200 iterations), trained by scikit-learn 1.9 on 20k x 20 rows and
# scored on 100k x 20 rows, by scikit-learn (sid environment) and by skbridge in the same run.
# Prints rows/second with 1 thread and all cores, single-row latency, load time and peak memory,
# and the skbridge / scikit-learn ratios.
#   bench/boosting.sh [BUILD_DIR]     (needs root for the environment; models cached in bench/.cache)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
CACHE=bench/.cache
mkdir -p "$CACHE"
if [ ! -f "$CACHE/gbr300.joblib" ] || [ ! -f "$CACHE/hgbc200.joblib" ] || [ ! -f "$CACHE/boost_X.npy" ]; then
  SKBRIDGE_WORK=$PWD tools/sklenv run sid bench/boosting_models.py make "$CACHE"
fi
cmake --build "$BUILD" --target bench_boosting >/dev/null 2>&1 || [ -x "$BUILD/bench/bench_boosting" ] ||
  { echo "boosting.sh: cannot build $BUILD/bench/bench_boosting" >&2; exit 1; }
sk_json=$(mktemp)
trap 'rm -f "$sk_json"' EXIT
"$BUILD/bench/bench_boosting" --dir "$CACHE" --benchmark_format=json --benchmark_min_time=2s >"$sk_json" 2>/dev/null

# Reads a google-benchmark JSON value: field of the named benchmark.
bm() { python3 -c "import json,sys; b={x['name']:x for x in json.load(open('$sk_json'))['benchmarks']}; print(b['$1']['$2'])"; }
num() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

printf '%-28s %14s %14s %14s %10s %8s\n' "" "rows/s 1 thr" "rows/s all" "1-row (us)" "load (ms)" "RSS MB"
# scikit-learn's load is joblib.load's second call (the first also imports scikit-learn: printed
# below); RSS is the whole process after loading (Python, numpy and scikit-learn included).
for name in gbr300 hgbc200; do
  case $name in gbr300) bmn=GBR ;; hgbc200) bmn=HGBC ;; esac
  py1=$(SKBRIDGE_WORK=$PWD tools/sklenv run sid bench/boosting_models.py time "$CACHE" $name 1 2>/dev/null | grep '^sklearn')
  pyall=$(SKBRIDGE_WORK=$PWD tools/sklenv run sid bench/boosting_models.py time "$CACHE" $name all 2>/dev/null | grep '^sklearn')
  sk1=$(bm "BM_${bmn}_Batch/1/real_time" items_per_second)
  sk2=$(bm "BM_${bmn}_Batch/2/real_time" items_per_second)
  skrow=$(bm "BM_${bmn}_SingleRow" real_time)  # in the benchmark's unit: microseconds
  skload=$("$BUILD/bench/bench_boosting" --load-only "$CACHE/$name.joblib")
  printf '%-28s %14.0f %14.0f %14.1f %10.1f %8.0f\n' "$name scikit-learn 1.9" "$(num rows_per_s "$py1")" "$(num rows_per_s "$pyall")" \
    "$(num single_row_us "$py1")" "$(python3 -c "print($(num load_s "$py1") * 1000)")" "$(num peak_rss_mb "$py1")"
  # Load: Model::Load repeated in one process (warm, like joblib's second load), in ms; RSS: a
  # process that only loads the model.
  printf '%-28s %14.0f %14.0f %14.2f %10.1f %8.0f\n' "$name skbridge" "$sk1" "$sk2" "$skrow" \
    "$(bm "BM_${bmn}_Load" real_time)" "$(num peak_rss_mb "$skload")"
  printf '%-28s %14s\n' "$name skbridge cold load" "$(python3 -c "print(round($(num load_s "$skload") * 1000, 1))") ms"
  printf '%-28s %14s\n' "$name sklearn cold load" "$(python3 -c "print(round($(num cold_load_s "$py1") * 1000))") ms"
  skcpu=$(python3 -c "print(1e5 / ($(bm "BM_${bmn}_Batch/1/real_time" cpu_time) / 1e3))")  # cpu_time in ms per 100k rows
  printf '%-28s %14s\n' "$name CPU-time rows/s, 1 thr" "scikit-learn $(num cpu_rows_per_s "$py1"), skbridge $(printf %.0f "$skcpu"), ratio $(python3 -c "print(f'{$skcpu / $(num cpu_rows_per_s "$py1"):.1f}x')")"
  printf '%-28s %13.1fx %13.1fx %13.0fx\n' "$name ratio" "$(python3 -c "print($sk1 / $(num rows_per_s "$py1"))")" \
    "$(python3 -c "print($sk2 / $(num rows_per_s "$pyall"))")" "$(python3 -c "print($(num single_row_us "$py1") / $skrow)")"
done
