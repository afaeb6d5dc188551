# Benchmark helper for issue 4, run inside the scikit-learn 1.9 environment:
#   make DIR  -> DIR/scaled_logreg.joblib, DIR/mixed_pipeline.joblib, rows (npy / csv), 100k each
#   time DIR  -> scikit-learn's single-row latency and 100k-row throughput on the same rows
import statistics
import sys
import time

import joblib
import numpy as np
import pandas as pd

cmd, d = sys.argv[1], sys.argv[2]
N = 100_000


def frame(rng, n):
    return pd.DataFrame({
        "age": rng.normal(40, 10, n), "income": rng.normal(50, 15, n), "score": rng.normal(size=n),
        "color": rng.choice(["red", "green", "blue"], n), "size": rng.choice(["s", "m", "l", "xl"], n),
        "city": rng.choice(["paris", "lima", "cairo", "oslo", "kyiv"], n)})


if cmd == "make":
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20_000, 20))
    y = (X @ rng.normal(size=20) > 0).astype(int)
    joblib.dump(make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), d + "/scaled_logreg.joblib")
    np.save(d + "/scaled_rows.npy", rng.normal(size=(N, 20)))
    F = frame(rng, 20_000)
    yf = (F["age"] + (F["color"] == "red") * 10 > 45).astype(int)
    ct = ColumnTransformer([("num", StandardScaler(), ["age", "income", "score"]),
                            ("cat", OneHotEncoder(handle_unknown="ignore"), ["color", "size", "city"])])
    joblib.dump(make_pipeline(ct, LogisticRegression()).fit(F, yf), d + "/mixed_pipeline.joblib")
    frame(rng, N).to_csv(d + "/mixed_rows.csv", index=False)
    print("wrote models and rows to", d)
else:
    for name, rows in (("scaled_logreg", np.load(d + "/scaled_rows.npy")), ("mixed_pipeline", pd.read_csv(d + "/mixed_rows.csv"))):
        model = joblib.load(d + f"/{name}.joblib")
        one = rows[:1] if isinstance(rows, np.ndarray) else rows.iloc[:1]
        lat = []
        for _ in range(300):
            t = time.perf_counter(); model.predict_proba(one); lat.append(time.perf_counter() - t)
        batch = []
        for _ in range(5):
            t = time.perf_counter(); model.predict_proba(rows); batch.append(time.perf_counter() - t)
        print(f"{name} sklearn_single_us={statistics.median(lat) * 1e6:.1f} sklearn_rows_per_s={N / statistics.median(batch):.0f}")
