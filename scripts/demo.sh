#!/usr/bin/env bash
# make demo: run skbridge on the bundled example model (written by scikit-learn 1.9).
set -u
SKBRIDGE=${1:-build/apps/cli/skbridge}
cd "$(dirname "$0")/.."
echo "== skbridge inspect examples/iris_pipeline.joblib"
"$SKBRIDGE" inspect examples/iris_pipeline.joblib
rc=$?
if "$SKBRIDGE" --help 2>/dev/null | grep -q "^  predict"; then
  echo
  echo "== skbridge predict examples/iris_pipeline.joblib --input examples/iris_rows.csv --method predict_proba"
  "$SKBRIDGE" predict examples/iris_pipeline.joblib --input examples/iris_rows.csv --method predict_proba || rc=$?
fi
exit $rc
