#!/usr/bin/env python3
"""Writes small encoder / composition models that the fixture corpus does not hold, with their outputs.

Run inside each real environment (from the repository root):

    for s in bullseye bookworm trixie sid; do tools/sklenv run $s tests/data/compose/make_models.py; done

It writes tests/data/compose/<sklearn version>/: <case>.pkl (pickle protocol 2), <case>.<method>.npy
(outputs computed from the input CSV as pandas reads it back, like tools/fixtures/generate.py),
inputs/<name>.csv, and cases.json: [{name, input, methods, error?}]. The C++ tests
(src/estimators/encoders_test.cc, compose_test.cc) load every case and compare. Cases that the
running version cannot build are left out. Everything is deterministic.
"""
import json
import os
import pickle
import sys
import warnings

warnings.simplefilter("ignore")

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor, make_column_selector
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import LabelBinarizer, LabelEncoder, OneHotEncoder, OrdinalEncoder

V = tuple(int(p) for p in sklearn.__version__.split(".")[:2])
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), sklearn.__version__)
SPARSE = "sparse_output" if V >= (1, 2) else "sparse"


def frames():
    rs = np.random.RandomState(3)
    n = 60
    colors = np.array(["red", "green", "blue", "teal"], dtype=object)[rs.choice(4, n, p=[0.4, 0.3, 0.25, 0.05])]
    sizes = np.array(["S", "M", "L"], dtype=object)[rs.randint(0, 3, n)]
    cities = np.array(["paris", "oslo", "lima", "rome"], dtype=object)[rs.choice(4, n, p=[0.5, 0.3, 0.15, 0.05])]
    a = np.round(rs.normal(size=n), 3)
    b = np.round(rs.uniform(0, 10, n), 2)
    k = rs.randint(0, 4, n).astype(np.float64)
    colors[rs.uniform(size=n) < 0.1] = np.nan
    sizes[rs.uniform(size=n) < 0.1] = np.nan
    frame = pd.DataFrame({"a": a, "color": colors, "b": b, "size": sizes, "city": cities, "k": k})
    y = (a + (colors == "red") + 0.1 * rs.normal(size=n) > 0.4).astype(np.int64)
    y_reg = 2 * a + b + 1.5 * (sizes == "L")
    y3 = np.array(["x", "y", "z"])[(k.astype(int) + (colors == "red")) % 3]
    train, test = frame.iloc[:44].reset_index(drop=True), frame.iloc[44:].reset_index(drop=True)
    test.loc[2, "color"] = "violet"  # unseen
    test.loc[5, "city"] = "cairo"    # unseen
    test.loc[7, "k"] = 9.0           # unseen number
    return train, test, y[:44], y_reg[:44], y3[:44]


def read_back(path):
    df = pd.read_csv(path)
    for c in df.columns:
        if df[c].dtype.kind in "iuf":
            df[c] = df[c].astype(np.float64)
    return df


def main():
    os.makedirs(os.path.join(OUT, "inputs"), exist_ok=True)
    train, test, y, y_reg, y3 = frames()
    test.to_csv(os.path.join(OUT, "inputs", "frame.csv"), index=False)
    X_test = read_back(os.path.join(OUT, "inputs", "frame.csv"))
    num_cols = ["a", "b", "k"]
    Xn_train = train[num_cols].to_numpy(dtype=np.float64)
    pd.DataFrame(X_test[num_cols].to_numpy(), columns=["x0", "x1", "x2"]).to_csv(
        os.path.join(OUT, "inputs", "numeric.csv"), index=False)
    Xn_test = read_back(os.path.join(OUT, "inputs", "numeric.csv")).to_numpy(dtype=np.float64)
    labels_train = [str(v) for v in y3]
    with open(os.path.join(OUT, "inputs", "labels.csv"), "w") as f:
        f.write("text\n" + "".join(v + "\n" for v in ["x", "z", "y", "z", "x"]))
    with open(os.path.join(OUT, "inputs", "binlabels.csv"), "w") as f:
        f.write("text\n" + "".join(v + "\n" for v in ["no", "yes", "yes", "no", "no"]))

    pd.DataFrame({"x0": Xn_test[:, 2], "x1": (Xn_test[:, 2] > 1).astype(np.float64)}).to_csv(
        os.path.join(OUT, "inputs", "numeric2.csv"), index=False)
    # Input name -> (csv file, columns of it the model takes; None: all).
    INPUTS = {"frame": ("frame.csv", None), "frame1": ("frame.csv", ["city"]),
              "frame2": ("frame.csv", ["color", "city"]), "frame_ck": ("frame.csv", ["city", "k"]), "frame3": ("frame.csv", ["color", "size", "k"]),
              "frame3b": ("frame.csv", ["color", "size", "city"]), "numeric": ("numeric.csv", None),
              "numeric2": ("numeric2.csv", None), "multilabel": ("multilabel.csv", None), "labels": ("labels.csv", None), "binlabels": ("binlabels.csv", None)}
    cases = []

    def add(name, build, fit_X, test_X, input_name, methods, target=None, error=None, mutate=None):
        csv, cols = INPUTS[input_name]
        try:
            est = build()
        except Exception as e:  # not available in this version
            print("skip", name, type(e).__name__, e)
            return
        try:
            if target is None:
                est.fit(fit_X)
            else:
                est.fit(fit_X, target)
        except Exception as e:
            print("skip", name, "fit:", type(e).__name__, e)
            return
        entry = {"name": name, "csv": csv, "columns": cols, "methods": []}
        for m in methods:
            try:
                out = getattr(est, m)(test_X)
            except Exception as e:
                print("skip", name, m + ":", type(e).__name__, e)
                return
            if hasattr(out, "toarray"):
                out = out.toarray()
            out = np.asarray(out)
            if out.dtype == object:
                out = out.astype(np.float64)
            np.save(os.path.join(OUT, "%s.%s.npy" % (name, m)), out)
            entry["methods"].append(m)
        if mutate:
            mutate(est)
        if error:
            entry["error"] = error
        with open(os.path.join(OUT, name + ".pkl"), "wb") as f:
            pickle.dump(est, f, protocol=2)
        cases.append(entry)

    # --- ColumnTransformer: slices, masks, negative indices, text passthrough, weights, selectors.
    add("ct_slices", lambda: ColumnTransformer([
        ("ohe", OneHotEncoder(handle_unknown="ignore"), slice("color", "city")),
        ("num", "passthrough", slice(0, 1))], remainder="drop"),
        train, X_test, "frame", ["transform"])
    add("ct_text_passthrough_pipeline", lambda: Pipeline([
        ("ct", ColumnTransformer([("keep", "passthrough", ["city"]), ("ord", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), ["k"])])),
        ("ohe", OneHotEncoder(handle_unknown="ignore", **{SPARSE: False}))]),
        train, X_test, "frame", ["transform"])
    add("ct_weights_remainder", lambda: ColumnTransformer(
        [("ord", OneHotEncoder(handle_unknown="ignore"), ["city"]), ("drop_me", "drop", ["color", "size"])],
        remainder="passthrough", transformer_weights={"ord": 2.0, "remainder": 0.5}),
        train, X_test, "frame", ["transform"])
    add("ct_mask_negative", lambda: ColumnTransformer([
        ("a", "passthrough", [True, False, True]),
        ("b", OneHotEncoder(handle_unknown="ignore"), [-1]),
        ("empty", OneHotEncoder(), [])]),
        Xn_train, Xn_test, "numeric", ["transform"])
    add("ct_int_slice_step", lambda: ColumnTransformer([("p", "passthrough", slice(2, None, -2))]),
        Xn_train, Xn_test, "numeric", ["transform"])
    add("ct_selector", lambda: ColumnTransformer([
        ("ohe", OneHotEncoder(handle_unknown="ignore"), make_column_selector(pattern="^c")),
        ("num", "passthrough", make_column_selector(dtype_include=np.number))]),
        train, X_test, "frame", ["transform"])
    add("pipeline_ct_logreg", lambda: Pipeline([
        ("ct", ColumnTransformer([
            ("ohe", OneHotEncoder(handle_unknown="ignore"), ["color", "size", "city"]),
            ("num", "passthrough", ["a", "b"])])),
        ("clf", LogisticRegression(max_iter=1000))]),
        train, X_test, "frame", ["predict", "predict_proba", "decision_function"], target=y)

    # --- OneHotEncoder variants.
    def ohe_nan():
        if V < (0, 24):
            raise RuntimeError("missing values as categories need 0.24")
        return OneHotEncoder(handle_unknown="ignore", **{SPARSE: False})
    add("ohe_nan_category", ohe_nan, train[["color", "size", "k"]], X_test[["color", "size", "k"]], "frame3", ["transform"])

    def ohe_drop_infrequent():
        if V < (1, 1):
            raise RuntimeError("min_frequency needs 1.1")
        return OneHotEncoder(drop=["oslo", 2.0], min_frequency=4, handle_unknown="infrequent_if_exist")
    add("ohe_explicit_drop_infrequent", ohe_drop_infrequent, train[["city", "k"]], X_test[["city", "k"]], "frame_ck",
        ["transform"])

    def ohe_max_categories():
        if V < (1, 1):
            raise RuntimeError("max_categories needs 1.1")
        return OneHotEncoder(max_categories=3, drop="first", handle_unknown="infrequent_if_exist")
    add("ohe_max_categories_drop_first", ohe_max_categories, train[["city"]], X_test[["city"]], "frame1", ["transform"])

    def ohe_numeric_if_binary():
        if V < (1, 0):
            raise RuntimeError("drop with handle_unknown='ignore' needs 1.0")
        return OneHotEncoder(drop="if_binary", handle_unknown="ignore")
    add("ohe_numeric_if_binary", ohe_numeric_if_binary, np.c_[Xn_train[:, 2], Xn_train[:, 2] > 1],
        np.c_[Xn_test[:, 2], Xn_test[:, 2] > 1], "numeric2", ["transform"])
    add("ohe_error_unknown", lambda: OneHotEncoder(), train[["city"]], None, "frame1", [],
        error="'city' (#1) row 6: unknown category 'cairo'")

    # --- OrdinalEncoder with missing values, unknowns and infrequent categories.
    def oe_missing():
        if V < (1, 1):
            raise RuntimeError("encoded_missing_value needs 1.1")
        kw = {"min_frequency": 3} if V >= (1, 3) else {}
        return OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-2, **kw)
    add("oe_missing_infrequent", oe_missing, train[["color", "size", "city"]], X_test[["color", "size", "city"]],
        "frame3b", ["transform"])

    # --- TargetEncoder, multiclass.
    def te_multiclass():
        from sklearn.preprocessing import TargetEncoder
        if V < (1, 4):
            raise RuntimeError("multiclass TargetEncoder needs 1.4")
        return TargetEncoder(target_type="multiclass", random_state=0)
    add("te_multiclass", te_multiclass, train[["color", "city"]], X_test[["color", "city"]], "frame2", ["transform"],
        target=y3)

    # --- LabelBinarizer binary with custom labels, LabelEncoder unknown label.
    lb = LabelBinarizer(neg_label=-1, pos_label=2)
    add("lb_binary", lambda: lb, ["no", "yes", "no"], ["no", "yes", "yes", "no", "no"], "binlabels", ["transform"])
    add("le_unknown", lambda: LabelEncoder(), ["x", "y"], None, "labels", [], error="row 2: previously unseen label 'z'")

    # --- FeatureUnion with weights, passthrough and drop; Pipeline ending in passthrough.
    def fu():
        parts = [("ohe", OneHotEncoder(handle_unknown="ignore")), ("gone", "drop")]
        if V >= (1, 1):
            parts.insert(0, ("keep", "passthrough"))
        return FeatureUnion(parts, transformer_weights={"keep": 0.5, "ohe": 3.0})
    add("feature_union_weights", fu, Xn_train, Xn_test, "numeric", ["transform"])
    add("pipeline_passthrough_last", lambda: Pipeline([("ohe", OneHotEncoder(handle_unknown="ignore")), ("end", "passthrough")]),
        Xn_train, Xn_test, "numeric", ["transform"])

    # --- TransformedTargetRegressor with a ufunc pair.
    add("ttr_sqrt_square", lambda: TransformedTargetRegressor(LinearRegression(), func=np.sqrt, inverse_func=np.square),
        Xn_train, Xn_test, "numeric", ["predict"], target=np.abs(y_reg) + 1)

    # --- Threshold classifiers (1.5+).
    def fixed():
        from sklearn.model_selection import FixedThresholdClassifier
        return FixedThresholdClassifier(LogisticRegression(), threshold=-0.3, pos_label=0, response_method="decision_function")
    add("fixed_threshold_pos0", fixed, Xn_train, Xn_test, "numeric", ["predict", "decision_function"], target=y)

    def tuned():
        from sklearn.model_selection import TunedThresholdClassifierCV
        return TunedThresholdClassifierCV(LogisticRegression(), scoring="f1", cv=3, random_state=0)
    add("tuned_threshold_f1", tuned, Xn_train, Xn_test, "numeric", ["predict", "predict_proba"], target=y)

    def grid_no_refit():
        from sklearn.model_selection import GridSearchCV
        return GridSearchCV(LinearRegression(), {"fit_intercept": [True, False]}, cv=3, refit=False)
    add("grid_no_refit", grid_no_refit, Xn_train, None, "numeric", [], target=y_reg, error="refit=False")

    # --- More variants: a None category (missing cells match it), a refused inverse function,
    # successive-halving search, a multilabel LabelBinarizer.
    def ohe_none():
        if V < (0, 24):
            raise RuntimeError("missing values as categories need 0.24")
        return OneHotEncoder(handle_unknown="ignore")
    add("ohe_none_category", ohe_none, np.array([["a"], [None], ["b"], ["a"]], dtype=object), None, "frame1", [])
    add("ttr_refused_inverse", lambda: TransformedTargetRegressor(LinearRegression(), func=np.log1p, inverse_func=np.sinc),
        Xn_train, None, "numeric", [], target=np.abs(y_reg) + 1, error="numpy.sinc")

    def halving():
        from sklearn.experimental import enable_halving_search_cv  # noqa: F401
        from sklearn.model_selection import HalvingGridSearchCV
        return HalvingGridSearchCV(LogisticRegression(), {"C": [0.1, 1.0, 10.0]}, cv=3, random_state=0)
    add("grid_halving", halving, Xn_train, Xn_test, "numeric", ["predict", "predict_proba"], target=y)

    def lb_multilabel():
        return LabelBinarizer(pos_label=5)
    Y_ml = np.c_[y, 1 - y, (Xn_train[:, 2] > 1).astype(int)]
    Y_ml_test = np.c_[(Xn_test[:, 2] > 1), Xn_test[:, 2] > 2, Xn_test[:, 2] > 0].astype(int)
    pd.DataFrame(Y_ml_test, columns=["y0", "y1", "y2"]).to_csv(os.path.join(OUT, "inputs", "multilabel.csv"), index=False)
    add("lb_multilabel", lb_multilabel, Y_ml, Y_ml_test, "multilabel", ["transform"])

    # --- Broken states: decoding must fail naming the attribute.
    def bad_drop(est):
        est.drop_idx_ = np.array([9], dtype=object)
        if hasattr(est, "_drop_idx_after_grouping"):
            est._drop_idx_after_grouping = np.array([9], dtype=object)
    add("broken_ohe_drop", lambda: OneHotEncoder(drop="first"), train[["city"]], None, "frame1", [],
        mutate=bad_drop, error="drop index 9 out of range")

    def bad_indices(est):
        if hasattr(est, "_transformer_to_input_indices"):
            est._transformer_to_input_indices["ohe"] = [0, 99]
        else:
            est.transformers_[0] = ("ohe", est.transformers_[0][1], [0, 99])
    add("broken_ct_indices", lambda: ColumnTransformer([("ohe", OneHotEncoder(), [2])]), Xn_train, None, "numeric", [],
        mutate=bad_indices, error="out of range")

    def bad_categories(est):
        est.categories_[0] = np.r_[np.nan, est.categories_[0]]
    add("broken_oe_categories", lambda: OrdinalEncoder(), Xn_train[:, 1:], None, "numeric", [],
        mutate=bad_categories, error="categories_[0]: the missing-value category must come last")

    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"sklearn": sklearn.__version__, "cases": cases}, f, indent=1)
    print(sklearn.__version__, len(cases), "cases")


if __name__ == "__main__":
    main()
