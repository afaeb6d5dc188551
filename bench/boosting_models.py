"""Boosting benchmark, scikit-learn side (run inside the scikit-learn 1.9 environment by bench/boosting.sh).

  boosting_models.py make DIR      trains the two models of issue 5 and writes them with the test rows:
                                   DIR/gbr300.joblib   GradientBoostingRegressor(n_estimators=300, max_depth=3)
                                   DIR/hgbc200.joblib  HistGradientBoostingClassifier(max_iter=200, no early stopping)
                                   DIR/boost_X.npy     100,000 x 20 float64 rows to score
  boosting_models.py time DIR NAME THREADS
                                   loads DIR/NAME.joblib, times predict on the 100k rows (median of 3,
                                   wall and process CPU time),
                                   single-row predict latency (median of 300 calls), load time (second
                                   load; the first also imports scikit-learn), peak RSS after the load;
                                   THREADS = 1 or 'all' (OpenMP threads for HistGradientBoosting).
"""
import resource
import sys
import time

import numpy as np


def make(d):
    import joblib
    from sklearn.ensemble import GradientBoostingRegressor, HistGradientBoostingClassifier

    rng = np.random.RandomState(0)
    n_train, n_test, n_features = 20_000, 100_000, 20
    X = rng.randn(n_train, n_features)
    w = rng.randn(n_features)
    y_reg = X @ w + np.sin(3 * X[:, 0]) * 2 + X[:, 1] * X[:, 2] + 0.5 * rng.randn(n_train)
    y_cls = (y_reg + rng.randn(n_train) > 0).astype(int)
    gbr = GradientBoostingRegressor(n_estimators=300, max_depth=3, random_state=0).fit(X, y_reg)
    hgb = HistGradientBoostingClassifier(max_iter=200, early_stopping=False, random_state=0).fit(X, y_cls)
    joblib.dump(gbr, f"{d}/gbr300.joblib")
    joblib.dump(hgb, f"{d}/hgbc200.joblib")
    np.save(f"{d}/boost_X.npy", rng.randn(n_test, n_features))
    print("models written to", d)


def time_model(d, name, threads):
    import joblib
    from threadpoolctl import threadpool_limits

    t0 = time.perf_counter()
    model = joblib.load(f"{d}/{name}.joblib")  # first load: imports scikit-learn's modules too
    cold_s = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    model = joblib.load(f"{d}/{name}.joblib")
    load_s = time.perf_counter() - t0
    X = np.load(f"{d}/boost_X.npy")
    limit = 1 if threads == "1" else None
    with threadpool_limits(limits=limit):
        model.predict(X[:1000])  # warm up
        batch, cpu = [], []
        for _ in range(3):
            t0, c0 = time.perf_counter(), time.process_time()
            model.predict(X)
            batch.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        single = []
        for i in range(300):
            row = X[i : i + 1]
            t0 = time.perf_counter()
            model.predict(row)
            single.append(time.perf_counter() - t0)
    rows_s = X.shape[0] / float(np.median(batch))
    cpu_rows_s = X.shape[0] / float(np.median(cpu))
    print(f"sklearn rows_per_s={rows_s:.0f} cpu_rows_per_s={cpu_rows_s:.0f} single_row_us={np.median(single) * 1e6:.1f} load_s={load_s:.4f} "
          f"cold_load_s={cold_s:.4f} peak_rss_mb={rss_mb:.0f}")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        time_model(sys.argv[2], sys.argv[3], sys.argv[4])
