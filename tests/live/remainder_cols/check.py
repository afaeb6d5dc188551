# Loads a ported file with plain joblib.load and compares predict_proba with the recorded one.
import sys, json, joblib, numpy as np, pandas as pd, sklearn
expected = json.load(open(sys.argv[1] + ".json"))
model = joblib.load(sys.argv[2])
got = model.predict_proba(pd.DataFrame(expected["X"]))
want = np.array(expected["proba"])
rel = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300))
print("scikit-learn %s: remainder columns held as %s, worst relative difference %.3g" % (
    sklearn.__version__, type(model[0].transformers_[-1][2]).__name__, rel))
sys.exit(0 if rel <= 1e-9 else 1)
