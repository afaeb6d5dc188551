# Benchmark helper, run inside a real scikit-learn environment (tools/sklenv run sid ...):
#   make   DIR  -> writes DIR/big_forest.joblib (~300 MB RandomForest) and DIR/big_forest.joblib.z
#   load   FILE REPEAT -> times joblib.load, prints "python_load_s=<median> peak_rss_mb=<n>"
import resource
import statistics
import sys
import time

import joblib
import numpy as np

if sys.argv[1] == "make":
    from sklearn.ensemble import RandomForestClassifier
    out = sys.argv[2]
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120_000, 20))
    y = (X[:, 0] + rng.normal(scale=2.0, size=len(X)) > 0).astype(int)  # noisy: deep trees, many nodes
    model = RandomForestClassifier(n_estimators=60, random_state=0, n_jobs=2).fit(X, y)
    joblib.dump(model, out + "/big_forest.joblib")
    joblib.dump(model, out + "/big_forest.joblib.z", compress=("zlib", 3))
    print("wrote", out + "/big_forest.joblib")
else:
    path, repeat = sys.argv[2], int(sys.argv[3])
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        joblib.load(path)
        times.append(time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"python_load_s={statistics.median(times):.4f} peak_rss_mb={peak:.0f}")
