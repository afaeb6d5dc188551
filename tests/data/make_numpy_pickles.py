#!/usr/bin/env python3
"""Writes small pickle and joblib files of numpy arrays, plus expected.json describing them.

Run inside each real environment (it needs numpy, scikit-learn and joblib):

    for s in bullseye bookworm trixie; do tools/sklenv run $s tests/data/make_numpy_pickles.py tests/data/numpy/$s; done

It only writes files; the C++ test (src/pickle/arrays_test.cc) reads them with skbridge and compares
every value with expected.json. The arrays are built deterministically, so reruns give the same bytes.
"""
import io
import json
import os
import pickle
import sys

import joblib
import numpy as np
import sklearn
from sklearn.tree import DecisionTreeClassifier


def describe(a):
    """What the C++ side checks: dtype.str, shape, order and the values in C order."""
    d = {"dtype": a.dtype.str, "shape": list(a.shape), "fortran": bool(a.flags.f_contiguous and a.ndim > 1
                                                                       and not a.flags.c_contiguous)}
    if a.dtype.names:
        d["fields"] = [[n, a.dtype.fields[n][0].str, a.dtype.fields[n][1]] for n in a.dtype.names]
        d["itemsize"] = a.dtype.itemsize
        d["values"] = {n: a[n].ravel(order="C").tolist() for n in a.dtype.names}
    elif a.dtype.kind == "O":
        d["values"] = a.ravel(order="C").tolist()
    elif a.dtype.kind == "S":
        d["values"] = [v.decode("latin-1") for v in a.ravel(order="C").tolist()]
    else:
        d["values"] = a.ravel(order="C").tolist()
    return d


def dill_style(a, proto):
    """The pickle dill writes for the ndarray `a`, made with a stand-in dill._dill module."""
    import types
    module = types.ModuleType("dill._dill")

    def _create_array(f, args, state, npdict=None):
        raise RuntimeError("a stand-in: never called")

    _create_array.__module__, _create_array.__qualname__ = "dill._dill", "_create_array"
    module._create_array = _create_array
    sys.modules.setdefault("dill", types.ModuleType("dill"))
    sys.modules["dill._dill"] = module

    class AsDill:
        def __reduce__(self):
            f, args, state = a.__reduce__()
            return _create_array, (f, args, state, getattr(a, "__dict__", None))

    return pickle.dumps(AsDill(), protocol=proto)


def main(out):
    os.makedirs(out, exist_ok=True)
    arrays = {
        "f8_2x3": np.arange(6, dtype="<f8").reshape(2, 3) / 4.0,
        "be_f8": (np.arange(6, dtype=">f8") - 2.5).reshape(3, 2),
        "be_i4": np.array([1, -2, 65536, -2147483648], dtype=">i4"),
        "fortran_i4": np.asfortranarray(np.arange(6, dtype="<i4").reshape(2, 3)),
        "unicode": np.array(["ab", "xyz", "\u00e9\u20ac"]),
        "bytes_s": np.array([b"ab", b"c"], dtype="S2"),
        "object": np.array(["a", 1, None, 2.5], dtype=object),
        "bool": np.array([True, False, True]),
        "u1": np.arange(5, dtype=np.uint8),
        "empty": np.zeros((0, 3)),
    }
    tree = DecisionTreeClassifier(random_state=0).fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    arrays["tree_nodes"] = tree.tree_.__getstate__()["nodes"]
    expected = {"numpy": np.__version__, "sklearn": sklearn.__version__, "joblib": joblib.__version__, "files": {}}
    for name, a in arrays.items():
        for proto in (2, 4, 5):
            fname = "%s.p%d.pkl" % (name, proto)
            with open(os.path.join(out, fname), "wb") as f:
                pickle.dump(a, f, protocol=proto)
            expected["files"][fname] = describe(a)
    # what dill writes for an ndarray: dill._dill._create_array(f, args, state, npdict) with numpy's
    # own reduce triple (dill _dill.py save_numpy_array); dill itself is not needed to write it
    for name in ("f8_2x3", "be_i4", "object"):
        for proto in (2, 4):
            fname = "dill_%s.p%d.pkl" % (name, proto)
            with open(os.path.join(out, fname), "wb") as f:
                f.write(dill_style(arrays[name], proto))
            expected["files"][fname] = describe(arrays[name])
    # numpy scalars
    scalars = (np.float64(2.5), np.int64(-3), np.bool_(True), np.float32(0.1))
    with open(os.path.join(out, "scalars.p2.pkl"), "wb") as f:
        pickle.dump(scalars, f, protocol=2)
    expected["files"]["scalars.p2.pkl"] = {"scalars": [[np.dtype(type(s)).str, s.item()] for s in scalars]}
    # joblib: inline array data (padded to 16 bytes since joblib 1.2), and an object array.
    bundle = {"f8": arrays["f8_2x3"], "be": arrays["be_f8"], "obj": arrays["object"], "nodes": arrays["tree_nodes"],
              "fortran": arrays["fortran_i4"]}
    fname = "bundle.joblib"
    joblib.dump(bundle, os.path.join(out, fname))
    expected["files"][fname] = {"dict": {k: describe(v) for k, v in bundle.items()}}
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
