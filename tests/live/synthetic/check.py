# Loads a ported model with plain joblib.load and compares every recorded output with what the
# model written by make.py gave: labels equal, floats within 1e-9 relative.
#   check.py EXPECTED.json PORTED.joblib
import json
import sys
import warnings

import joblib
import numpy as np
import sklearn

warnings.simplefilter("ignore")
expected = json.load(open(sys.argv[1]))
model = joblib.load(sys.argv[2])
X = expected["X"]
if isinstance(X, dict):
    import pandas as pd
    X = pd.DataFrame(X)
else:
    X = np.asarray(X, dtype=float)
worst, bad = 0.0, []
for method, want in expected["outputs"].items():
    got = np.asarray(getattr(model, method)(X))
    want = np.asarray(want, dtype=got.dtype if got.dtype.kind in "iuUSOb" else float)
    if got.shape != want.shape:
        bad.append("%s: shape %s, expected %s" % (method, got.shape, want.shape))
    elif got.dtype.kind in "fc":
        rel = float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300))) if got.size else 0.0
        worst = max(worst, rel)
        if rel > 1e-9:
            bad.append("%s: relative difference %.3g" % (method, rel))
    elif not np.array_equal(got, want):
        bad.append("%s: labels differ" % method)
print("scikit-learn %s: %s, worst relative difference %.3g%s" % (
    sklearn.__version__, ", ".join(expected["outputs"]), worst, "; " + "; ".join(bad) if bad else ""))
sys.exit(1 if bad else 0)
