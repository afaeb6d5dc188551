# Derives src/compat/data/predict-reads.json from the measured baseline (build/compat/*.json, written
# by tools/compat/matrix.sh): for each target version and class, the attributes whose absence made a
# method raise AttributeError there. Run on the host: python3 tools/compat/predict_reads.py
import collections, glob, json, re, os
root = os.path.join(os.path.dirname(__file__), "..", "..")
req = collections.defaultdict(lambda: collections.defaultdict(set))
for f in glob.glob(os.path.join(root, "build", "compat", "*.json")):
    d = json.load(open(f))
    for c in d["cases"]:
        m = re.search(r"'(\w+)' object has no attribute '(\w+)'", c.get("error") or "")
        if m and c["status"] == "predict_error" and m.group(1) != "str":
            req[d["target"]][m.group(1)].add(m.group(2))
out = {"kind": "predict-reads",
       "note": "attributes each target version's methods were measured to read (AttributeError when absent), from tools/compat/matrix.sh",
       "reads": {t: {k: sorted(v) for k, v in sorted(d.items())} for t, d in sorted(req.items())}}
json.dump(out, open(os.path.join(root, "src", "compat", "data", "predict-reads.json"), "w"), indent=1)
