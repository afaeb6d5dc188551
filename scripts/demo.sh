#!/usr/bin/env bash
# make demo: skbridge on the bundled example model (a Pipeline written by scikit-learn 1.9.0).
set -u
SKBRIDGE=${1:-build/apps/cli/skbridge}
cd "$(dirname "$0")/.."
MODEL=examples/iris_pipeline.joblib
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "skbridge inspect $MODEL"
"$SKBRIDGE" inspect "$MODEL" || exit $?

step "skbridge predict $MODEL --input examples/iris_rows.csv --method predict_proba"
"$SKBRIDGE" predict "$MODEL" --input examples/iris_rows.csv --method predict_proba || exit $?

step "skbridge doctor $MODEL --target sklearn=1.2.1   (will scikit-learn 1.2.1 load it?)"
"$SKBRIDGE" doctor "$MODEL" --target sklearn=1.2.1
echo "(exit status $?: 0 safe, 1 not safe)"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
step "skbridge port $MODEL --target sklearn=1.2.1 -o ported.joblib   (rewrite it so it does)"
"$SKBRIDGE" port "$MODEL" --target sklearn=1.2.1 -o "$out/ported.joblib" || exit $?
step "skbridge doctor ported.joblib --target sklearn=1.2.1"
"$SKBRIDGE" doctor "$out/ported.joblib" --target sklearn=1.2.1
