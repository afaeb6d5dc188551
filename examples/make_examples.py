# Writes the bundled example models (run inside a real scikit-learn environment:
#   tools/sklenv run sid examples/make_examples.py). Deterministic.
import os
import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

here = os.path.dirname(os.path.abspath(__file__))
iris = load_iris(as_frame=True)
X = iris.data.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
y = iris.target_names[iris.target]
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=0)).fit(X, y)
joblib.dump(model, os.path.join(here, "iris_pipeline.joblib"))
rows = X.iloc[::15].reset_index(drop=True)
rows.to_csv(os.path.join(here, "iris_rows.csv"), index=False)
np.save(os.path.join(here, "iris_rows.predict_proba.npy"), model.predict_proba(rows))
print("scikit-learn", sklearn.__version__, "->", os.path.join(here, "iris_pipeline.joblib"))
