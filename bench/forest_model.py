"""Forest benchmark, scikit-learn side (run inside the scikit-learn 1.9 environment by bench/trees.sh).

  forest_model.py make DIR        trains issue 5's RandomForestClassifier(n_estimators=100, max_depth=12)
                                  on 20,000 rows x 20 features and writes:
                                  DIR/forest100.joblib      the model
                                  DIR/forest_X.npy          100,000 x 20 float64 rows to score
                                  DIR/forest_proba.npy      scikit-learn's predict_proba on them (exactness check)
  forest_model.py time DIR THREADS
                                  loads the model, times predict on the 100k rows (median of 3), single-row
                                  predict latency (median of 300 calls), load time, peak RSS;
                                  THREADS = 1 (n_jobs=1) or 'all' (n_jobs=-1).
  forest_model.py quick DIR       median CPU time of 8,192-row batches and of single rows, n_jobs=1:
                                  comparable with `bench_trees --quick DIR` on a busy machine.
"""
import resource
import sys
import time

import numpy as np


def make(d):
    import joblib
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.RandomState(0)
    n_train, n_test, n_features = 20_000, 100_000, 20
    X = rng.randn(n_train, n_features)
    w = rng.randn(n_features)
    score = X @ w + np.sin(3 * X[:, 0]) * 2 + X[:, 1] * X[:, 2] + 0.5 * rng.randn(n_train)
    y = (score + rng.randn(n_train) > 0).astype(int)
    rf = RandomForestClassifier(n_estimators=100, max_depth=12, random_state=0, n_jobs=-1).fit(X, y)
    rf.set_params(n_jobs=None)
    joblib.dump(rf, f"{d}/forest100.joblib")
    X_test = rng.randn(n_test, n_features)
    np.save(f"{d}/forest_X.npy", X_test)
    np.save(f"{d}/forest_proba.npy", rf.predict_proba(X_test))
    nodes = sum(t.tree_.node_count for t in rf.estimators_)
    print(f"model written to {d}: {nodes} nodes, mean depth {np.mean([t.tree_.max_depth for t in rf.estimators_]):.1f}")


def time_model(d, threads):
    import joblib

    t0 = time.perf_counter()
    model = joblib.load(f"{d}/forest100.joblib")
    load_s = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    X = np.load(f"{d}/forest_X.npy")
    model.set_params(n_jobs=1 if threads == "1" else -1)
    model.predict(X[:1000])  # warm up
    batch = []
    for _ in range(3):
        t0 = time.perf_counter()
        model.predict(X)
        batch.append(time.perf_counter() - t0)
    single = []
    for i in range(300):
        row = X[i : i + 1]
        t0 = time.perf_counter()
        model.predict(row)
        single.append(time.perf_counter() - t0)
    rows_s = X.shape[0] / float(np.median(batch))
    print(f"sklearn rows_per_s={rows_s:.0f} single_row_us={np.median(single) * 1e6:.1f} load_s={load_s:.4f} peak_rss_mb={rss_mb:.0f}")


def quick(d):
    """CPU time (not wall time) of 8,192-row batches and single rows, median: stable when other jobs share the machine."""
    import joblib

    model = joblib.load(f"{d}/forest100.joblib")
    model.set_params(n_jobs=1)
    X = np.load(f"{d}/forest_X.npy")
    chunks = [X[i * 8192 : (i + 1) * 8192] for i in range(12)]
    batch, single = [], []
    model.predict(chunks[0])
    for rep in range(12):
        t0 = time.process_time()
        model.predict(chunks[rep])
        batch.append(time.process_time() - t0)
    for rep in range(300):
        row = X[rep : rep + 1]
        t0 = time.process_time()
        model.predict(row)
        single.append(time.process_time() - t0)
    print(f"sklearn cpu-time: 8192-row batch {8192 / np.median(batch):.0f} rows/s, single row {np.median(single) * 1e6:.1f} us")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "quick":
        quick(sys.argv[2])
    else:
        time_model(sys.argv[2], sys.argv[3])
