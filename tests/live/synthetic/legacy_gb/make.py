# Writes, in scikit-learn 0.23, gradient-boosting models whose init_ has the layout of scikit-learn
# <= 0.20: the init estimators of sklearn.ensemble.gradient_boosting (MeanEstimator{mean},
# QuantileEstimator{alpha, quantile}, LogOddsEstimator{prior}, ScaledLogOddsEstimator{prior},
# shimmed under that module path), each holding the start value the fitted Dummy* init_ gave, plus
# the inputs and the outputs to compare against. No measured environment writes 0.20 files.
#   make.py OUTDIR
import json
import os
import sys
import warnings

import joblib
import numpy as np

warnings.simplefilter("ignore")
import sklearn.ensemble.gradient_boosting as legacy  # 0.23's deprecated alias module of 0.20's path
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor


def shim(name, **state):
    cls = type(name, (object,), {"__module__": "sklearn.ensemble.gradient_boosting"})
    setattr(legacy, name, cls)
    obj = cls.__new__(cls)
    obj.__dict__.update(state)
    return obj


rng = np.random.RandomState(0)
X = rng.randn(200, 4)
y_reg = X[:, 0] * 2 + np.sin(X[:, 1]) + 0.1 * rng.randn(200)
y_bin = (X[:, 0] + X[:, 2] > 0.3).astype(int)
Xt = rng.randn(25, 4)
cases = {}

m = GradientBoostingRegressor(n_estimators=30, random_state=0).fit(X, y_reg)
cases["mean"] = (m, shim("MeanEstimator", mean=float(m.init_.constant_[0][0])), ["predict"])
m = GradientBoostingRegressor(loss="quantile", alpha=0.7, n_estimators=30, random_state=0).fit(X, y_reg)
cases["quantile"] = (m, shim("QuantileEstimator", alpha=0.7, quantile=float(m.init_.constant_[0][0])), ["predict"])
m = GradientBoostingClassifier(n_estimators=30, random_state=0).fit(X, y_bin)
p = m.init_.class_prior_[1]
cases["log_odds"] = (m, shim("LogOddsEstimator", prior=float(np.log(p / (1 - p)))), ["predict", "predict_proba", "decision_function"])
m = GradientBoostingClassifier(loss="exponential", n_estimators=30, random_state=0).fit(X, y_bin)
p = m.init_.class_prior_[1]
cases["scaled_log_odds"] = (m, shim("ScaledLogOddsEstimator", prior=float(0.5 * np.log(p / (1 - p)))),
                            ["predict", "predict_proba", "decision_function"])

for name, (model, init, methods) in cases.items():
    outputs = {k: getattr(model, k)(Xt).tolist() for k in methods}  # with the Dummy* init_: the same start value
    model.init_ = init
    joblib.dump(model, os.path.join(sys.argv[1], "legacy_gb_%s.joblib" % name))
    with open(os.path.join(sys.argv[1], "legacy_gb_%s.json" % name), "w") as fh:
        json.dump({"outputs": outputs, "X": Xt.tolist()}, fh)
