# Runs inside a real scikit-learn environment and records what that version can load:
#   - for every global (module.name) that any fixture or known model file references, whether this
#     environment resolves it (pickle's find_class does exactly import + getattr);
#   - for every scikit-learn class in this version's own fixtures, the attribute keys its pickled
#     state holds (what predict may read).
# Output: src/compat/data/sklearn-<version>.json. Inputs are the globals listed by skbridge
# (tests/fixtures/*/ and the wild corpus, via `skbridge inspect --json`), passed in a file.
# Never unpickles anything but this version's own fixtures.
import importlib
import json
import os
import pickle
import sys

import joblib
import numpy
import sklearn

globals_file, fixtures_root, out_dir = sys.argv[1:4]
wanted = [line.strip() for line in open(globals_file) if line.strip()]
resolves = {}
for path in wanted:
    module, _, name = path.rpartition(":")
    try:
        obj = importlib.import_module(module)
        for part in name.split("."):
            obj = getattr(obj, part)
        resolves[f"{module}.{name}"] = True
    except Exception:
        resolves[f"{module}.{name}"] = False

# Attribute keys of every scikit-learn object in this version's fixtures (own version only).
state_keys = {}
def walk(obj, seen):
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, (list, tuple)):
        for x in obj:
            walk(x, seen)
        return
    if isinstance(obj, dict):
        for x in obj.values():
            walk(x, seen)
        return
    if isinstance(obj, numpy.ndarray) and obj.dtype == object:
        for x in obj.ravel():
            walk(x, seen)
        return
    cls = type(obj)
    if cls.__module__.startswith("sklearn.") and hasattr(obj, "__dict__"):
        key = f"{cls.__module__}.{cls.__qualname__}"
        state = obj.__getstate__() if hasattr(obj, "__getstate__") else obj.__dict__
        if isinstance(state, dict):
            keys = set(state) - {"_sklearn_version"}
            prev = state_keys.get(key)
            # keys present in every instance of this version are the ones it always sets
            state_keys[key] = keys if prev is None else (prev & keys)
            for v in state.values():
                walk(v, seen)

version_dir = os.path.join(fixtures_root, sklearn.__version__)
manifest = json.load(open(os.path.join(version_dir, "manifest.json")))
for case in manifest["cases"]:
    f = next((f for f in case["files"] if f["format"] == "joblib" and not f["compressor"]), None)
    if f:
        walk(joblib.load(os.path.join(version_dir, f["path"])), set())

out = {
    "sklearn": sklearn.__version__,
    "numpy": numpy.__version__,
    "joblib": joblib.__version__,
    "python": "%d.%d.%d" % sys.version_info[:3],
    "max_pickle_protocol": pickle.HIGHEST_PROTOCOL,
    "resolves": dict(sorted(resolves.items())),
    "state_keys": {k: sorted(v) for k, v in sorted(state_keys.items())},
}
with open(os.path.join(out_dir, f"sklearn-{sklearn.__version__}.json"), "w") as fh:
    json.dump(out, fh, indent=0, sort_keys=False)
print("wrote", os.path.join(out_dir, f"sklearn-{sklearn.__version__}.json"), len(resolves), "globals", len(state_keys), "classes")
