#!/usr/bin/env bash
# Measure the cross-version baseline and write docs/compatibility.md.
#
#   tools/compat/matrix.sh [SUITE...]     (default: bullseye bookworm trixie sid)
#
# In every environment (built first if missing, via tools/sklenv build), tools/compat/baseline.py
# loads the models of every fixture folder in tests/fixtures/ with plain joblib.load and compares
# their predictions with the recorded ones; results go to build/compat/<source>__<target>.json,
# then the report is written by the last suite's Python.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
suites=("$@"); [ ${#suites[@]} -gt 0 ] || suites=(bullseye bookworm trixie sid)
export SKBRIDGE_WORK="$root"

missing=()
for s in "${suites[@]}"; do
  tools/sklenv list | grep -q "^$s ready" || missing+=("$s")
done
[ ${#missing[@]} -eq 0 ] || tools/sklenv build "${missing[@]}"

rm -rf build/compat
mkdir -p build/compat
pairs=()
for s in "${suites[@]}"; do
  v=$(tools/sklenv list | sed -n "s/^$s ready .*sklearn=\([^ ]*\).*/\1/p")
  pairs+=("$v=$s")
  echo "== $s (scikit-learn $v)"
  tools/sklenv run "$s" tools/compat/baseline.py run --fixtures tests/fixtures --out build/compat 2>&1 |
    grep -v -e 'joblib will operate in serial mode' -e "warnings.warn('%s.  joblib will operate"
done
last=${suites[${#suites[@]}-1]}
tools/sklenv run "$last" tools/compat/baseline.py report --out build/compat --md docs/compatibility.md \
  --suites "$(IFS=,; echo "${pairs[*]}")"
