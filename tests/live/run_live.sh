#!/usr/bin/env bash
# Live checks against real scikit-learn environments (tools/sklenv). An environment that is not built
# is reported loudly as SKIPPED — never passed silently. Exit 0 when every present environment passed.
set -u
cd "$(dirname "$0")/../.."
SKBRIDGE=${1:-build/apps/cli/skbridge}
work=$(mktemp -d "$PWD/.live.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$SKBRIDGE" predict examples/iris_pipeline.joblib -i examples/iris_rows.csv -m predict_proba -o "$work/proba.npy" || exit 1
"$SKBRIDGE" predict examples/iris_pipeline.joblib -i examples/iris_rows.csv -o "$work/labels.npy" || exit 1
pass=0 fail=0 skip=0
for suite in bullseye bookworm trixie sid; do
  if ! tools/sklenv list | grep -q "^$suite ready"; then
    echo "live: SKIPPED $suite: environment not built (run tools/sklenv build $suite)"; skip=$((skip+1)); continue
  fi
  if SKBRIDGE_WORK=$PWD tools/sklenv run "$suite" tests/live/check_npy.py examples/iris_pipeline.joblib examples/iris_rows.csv \
       "${work#$PWD/}/proba.npy" "${work#$PWD/}/labels.npy"; then
    pass=$((pass+1))
  else
    echo "live: FAILED in $suite"; fail=$((fail+1))
  fi
done
echo "live: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
