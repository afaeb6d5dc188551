#!/usr/bin/env bash
# ctest `live_port_synthetic`: layouts of scikit-learn versions no measured environment has, written
# by tests/live/synthetic/<name>/make.py in one environment with the old classes shimmed under their
# old module paths, then ported by `skbridge port` to every environment and checked there with plain
# joblib.load (tests/live/synthetic/check.py). Each unported file must fail there first (else the
# case no longer exercises the port). Missing environments are reported as SKIPPED.
#   remainder_cols  1.5-1.6 ColumnTransformer remainder columns (_RemainderColsList), written in 1.9
#   legacy_gb       <= 0.20 GradientBoosting init_ estimators (MeanEstimator ...), written in 0.23
set -u
cd "$(dirname "$0")/../.."
SKBRIDGE=${1:-build/apps/cli/skbridge}
export SKBRIDGE_WORK=$PWD
work=$(mktemp -d "$PWD/.live_synthetic.XXXXXX")
trap 'rm -rf "$work"' EXIT
rel=${work#$PWD/}
ready() { tools/sklenv list | grep -q "^$1 ready"; }
version() { tools/sklenv list | sed -n "s/^$1 ready .*sklearn=\([^ ]*\).*/\1/p"; }
pass=0 fail=0 skip=0
for spec in remainder_cols:sid legacy_gb:bullseye; do
  name=${spec%%:*} maker=${spec#*:}
  if ! ready "$maker"; then echo "live_port_synthetic: SKIPPED $name: environment $maker not built"; skip=$((skip+1)); continue; fi
  mkdir -p "$work/$name"
  if ! tools/sklenv run "$maker" "tests/live/synthetic/$name/make.py" "$rel/$name" >/dev/null; then
    echo "live_port_synthetic: FAILED $name: make.py failed in $maker"; fail=$((fail+1)); continue
  fi
  for model in "$work/$name"/*.joblib; do
    case=$(basename "$model" .joblib)
    if tools/sklenv run "$maker" tests/live/synthetic/check.py "$rel/$name/$case.json" "$rel/$name/$case.joblib" >/dev/null 2>&1; then
      echo "live_port_synthetic: FAILED $case: the unported file works in $maker, so it does not exercise the port"; fail=$((fail+1))
    fi
    for suite in bullseye bookworm trixie sid; do
      if ! ready "$suite"; then echo "live_port_synthetic: SKIPPED $case -> $suite: not built"; skip=$((skip+1)); continue; fi
      out="$rel/$name/$case.$suite.joblib"
      if ! "$SKBRIDGE" port "$model" --target "sklearn=$(version "$suite")" -o "$out" >/dev/null; then
        echo "live_port_synthetic: FAILED $case -> $suite: port refused"; fail=$((fail+1)); continue
      fi
      if r=$(tools/sklenv run "$suite" tests/live/synthetic/check.py "$rel/$name/$case.json" "$out" 2>/dev/null | tail -1) && [ -n "$r" ]; then
        echo "live_port_synthetic: $case -> $r"; pass=$((pass+1))
      else
        echo "live_port_synthetic: FAILED $case -> $suite: ${r:-no result}"; fail=$((fail+1))
      fi
    done
  done
done
echo "live_port_synthetic: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
