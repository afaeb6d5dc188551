# Condenses the measured baseline (build/compat/*.json, written by tools/compat/matrix.sh) into
# tests/compat/baseline.json: for every source -> target pair (off the diagonal) and case, the
# status plain joblib.load had there and the first line of its error. doctor_test compares the
# doctor's verdicts with it. Run on the host: python3 tools/compat/baseline_json.py
import glob
import json
import os

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
out = {}
for f in sorted(glob.glob(os.path.join(root, "build", "compat", "*__*.json"))):
    d = json.load(open(f))
    if d["source"] == d["target"]:
        continue
    cases = {}
    for c in d["cases"]:
        e = c.get("error") or ""
        cases[c["name"]] = {"status": c["status"], "error": e.splitlines()[0][:200] if e else None}
    out.setdefault(d["source"], {})[d["target"]] = cases
with open(os.path.join(root, "tests", "compat", "baseline.json"), "w") as fh:
    json.dump(out, fh, indent=0, sort_keys=True)
print("wrote tests/compat/baseline.json:", sum(len(c) for t in out.values() for c in t.values()), "cases")
