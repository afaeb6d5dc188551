#!/usr/bin/env bash
# Prediction benchmark (issue 4): a StandardScaler+LogisticRegression pipeline (20 features) and a
# ColumnTransformer pipeline on mixed data (3 numeric + 3 categorical columns), 100k rows each:
# scikit-learn 1.9 (same machine, same rows, one thread) vs skbridge's C++ API and CLI, in one run.
#   bench/predict.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
C=bench/.cache
mkdir -p $C
[ -f $C/mixed_pipeline.joblib ] || SKBRIDGE_WORK=$PWD tools/sklenv run sid bench/predict_models.py make $C
cmake --build "$BUILD" --target predict_model skbridge_cli >/dev/null
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
SK=$(SKBRIDGE_WORK=$PWD tools/sklenv run sid bench/predict_models.py time $C | grep sklearn_)
for name in scaled_logreg mixed_pipeline; do
  rows=$C/scaled_rows.npy; [ $name = mixed_pipeline ] && rows=$C/mixed_rows.csv
  ours=$("$BUILD/bench/predict_model" $name $C/$name.joblib $rows)
  theirs=$(grep "^$name " <<<"$SK")
  t0=$(date +%s.%N); "$BUILD/apps/cli/skbridge" predict $C/$name.joblib -i $rows -m predict_proba -o $C/out.npy --force; t1=$(date +%s.%N)
  cli=$(echo "100000 / ($t1 - $t0)" | bc -l)
  s_us=$(sed 's/.*sklearn_single_us=\([0-9.]*\).*/\1/' <<<"$theirs"); o_us=$(sed 's/.*skbridge_single_us=\([0-9.]*\).*/\1/' <<<"$ours")
  s_rps=$(sed 's/.*sklearn_rows_per_s=\([0-9.]*\).*/\1/' <<<"$theirs"); o_rps=$(sed 's/.*skbridge_rows_per_s=\([0-9.]*\).*/\1/' <<<"$ours")
  printf '%-15s single row: scikit-learn %8s us  skbridge %6s us  (%.0fx lower)   100k rows: scikit-learn %9.0f rows/s  skbridge API %10.0f rows/s (%.1fx)  CLI incl. load+parse %9.0f rows/s\n' \
    $name "$s_us" "$o_us" "$(echo "$s_us / $o_us" | bc -l)" "$s_rps" "$o_rps" "$(echo "$o_rps / $s_rps" | bc -l)" "$cli"
done
