# Writes, in scikit-learn 1.9, a fitted pipeline whose ColumnTransformer holds its remainder columns
# in the scikit-learn 1.5-1.6 layout: a _RemainderColsList of column indices (the class shimmed under
# its 1.6 module path), plus the inputs and the probabilities to compare against.
import json
import os
import sys
from collections import UserList
import numpy as np, pandas as pd, joblib
import sklearn.compose._column_transformer as ct
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import StandardScaler
from sklearn.pipeline import make_pipeline
from sklearn.linear_model import LogisticRegression

class _RemainderColsList(UserList):
    def __init__(self, columns=(), *, future_dtype=None, warning_was_emitted=False, warning_enabled=True):
        super().__init__(columns)
        self.future_dtype = future_dtype
        self.warning_was_emitted = warning_was_emitted
        self.warning_enabled = warning_enabled
_RemainderColsList.__module__ = "sklearn.compose._column_transformer"
ct._RemainderColsList = _RemainderColsList

rng = np.random.RandomState(0)
X = pd.DataFrame({"a": rng.randn(60), "b": rng.randn(60), "c": rng.randn(60), "d": rng.randn(60)})
y = (X.a + X.c > 0).astype(int)
model = make_pipeline(ColumnTransformer([("s", StandardScaler(), ["a", "b"])], remainder="passthrough"), LogisticRegression())
model.fit(X, y)
col = model[0]
name, trans, cols = col.transformers_[-1]
wrapped = _RemainderColsList([X.columns.get_loc(c) for c in cols], future_dtype="str")
col.transformers_[-1] = (name, trans, wrapped)
out = os.path.join(sys.argv[1], "remainder_cols")
joblib.dump(model, out + ".joblib")
Xt = X.iloc[:20]
json.dump({"outputs": {"predict_proba": model.predict_proba(Xt).tolist(), "predict": model.predict(Xt).tolist()},
           "X": Xt.to_dict("list")}, open(out + ".json", "w"))
