# Live check, run inside each real environment: numpy loads the .npy files skbridge wrote
# (allow_pickle=False) and they equal what scikit-learn itself predicts for the same model and rows.
import sys

import joblib
import numpy as np
import pandas as pd

model_path, rows_csv, proba_npy, labels_npy = sys.argv[1:5]
proba = np.load(proba_npy, allow_pickle=False)
labels = np.load(labels_npy, allow_pickle=False)
assert proba.dtype == np.float64 and labels.dtype.kind == "U", (proba.dtype, labels.dtype)
expected = np.load(model_path.replace("iris_pipeline.joblib", "iris_rows.predict_proba.npy"), allow_pickle=False)
assert np.array_equal(proba, expected) or np.allclose(proba, expected, rtol=1e-9, atol=0), abs(proba - expected).max()
try:
    model = joblib.load(model_path)  # the example was written by scikit-learn 1.9; older ones may fail to load it
    live = model.predict(pd.read_csv(rows_csv))
    assert (live == labels).all(), (live, labels)
    print("numpy", np.__version__, "read skbridge's npy files; predictions equal this scikit-learn's")
except (ImportError, AttributeError, ValueError, KeyError, ModuleNotFoundError) as e:
    print("numpy", np.__version__, "read skbridge's npy files; this scikit-learn cannot load the 1.9 model itself:", type(e).__name__)
