#!/usr/bin/env bash
# ctest `live_port_remainder`: scikit-learn 1.5-1.6 kept ColumnTransformer's remainder columns in a
# _RemainderColsList, a class 1.7 removed, so their pipelines load nowhere else. No environment has
# 1.5-1.6, so remainder_cols/make.py writes that exact layout in sid (the class shimmed under its 1.6
# module path); `skbridge port` then rewrites it for every other environment, where plain joblib.load
# must predict the recorded probabilities. Missing environments are reported as SKIPPED.
set -u
cd "$(dirname "$0")/../.."
SKBRIDGE=${1:-build/apps/cli/skbridge}
if ! tools/sklenv list | grep -q "^sid ready"; then echo "live_port_remainder: SKIPPED: environment sid not built"; exit 0; fi
work=$(mktemp -d "$PWD/.live_remainder.XXXXXX")
trap 'rm -rf "$work"' EXIT
rel=${work#$PWD/}
export SKBRIDGE_WORK=$PWD
tools/sklenv run sid tests/live/remainder_cols/make.py "$rel/model" || exit 1
if tools/sklenv run sid tests/live/remainder_cols/check.py "$rel/model" "$rel/model.joblib" >/dev/null 2>&1; then
  echo "live_port_remainder: the unported file loaded in 1.9: the test no longer exercises the port"; exit 1
fi
pass=0 fail=0 skip=0
for suite in sid trixie bookworm bullseye; do
  if ! tools/sklenv list | grep -q "^$suite ready"; then echo "live_port_remainder: SKIPPED $suite: not built"; skip=$((skip+1)); continue; fi
  v=$(tools/sklenv list | sed -n "s/^$suite ready .*sklearn=\([^ ]*\).*/\1/p")
  if ! "$SKBRIDGE" port "$work/model.joblib" --target "sklearn=$v" -o "$work/$suite.joblib"; then
    echo "live_port_remainder: port to $v refused"; fail=$((fail+1)); continue
  fi
  if tools/sklenv run "$suite" tests/live/remainder_cols/check.py "$rel/model" "$rel/$suite.joblib"; then pass=$((pass+1)); else fail=$((fail+1)); fi
done
echo "live_port_remainder: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
