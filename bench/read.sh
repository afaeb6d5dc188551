#!/usr/bin/env bash
# Read benchmark (issue 2): a ~300 MB joblib RandomForest, uncompressed and zlib, read by skbridge and
# by Python's joblib.load (scikit-learn 1.9 environment) in the same run. Prints the ratio.
#   bench/read.sh [BUILD_DIR]      (needs root for the environment; the model is cached in bench/.cache)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
mkdir -p bench/.cache
if [ ! -f bench/.cache/big_forest.joblib ]; then
  SKBRIDGE_WORK=$PWD tools/sklenv run sid bench/read_big_forest.py make bench/.cache
fi
cmake --build "$BUILD" --target read_model >/dev/null
for f in big_forest.joblib big_forest.joblib.z; do
  size=$(du -m "bench/.cache/$f" | cut -f1)
  py=$(SKBRIDGE_WORK=$PWD tools/sklenv run sid bench/read_big_forest.py load "bench/.cache/$f" 3)
  sk=$("$BUILD/bench/read_model" "bench/.cache/$f" 3)
  pys=$(sed 's/.*python_load_s=\([0-9.]*\).*/\1/' <<<"$py"); sks=$(sed 's/.*skbridge_read_s=\([0-9.]*\).*/\1/' <<<"$sk")
  printf '%-22s %5s MB   joblib.load: %s   skbridge: %s   speed-up: %.1fx\n' "$f" "$size" "$py" "$sk" "$(echo "$pys / $sks" | bc -l)"
done
