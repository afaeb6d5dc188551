# Derives src/compat/data/predict-reads.json from the measured baseline (build/compat/*.json, written
# by tools/compat/matrix.sh): for each target version and class, the attributes whose absence made a
# method raise AttributeError there, with
#   methods: the methods of that class that raised (measured where the class itself was the model
#            loaded, from the per-method `outputs`); ["*"] when only seen nested in another estimator
#   writers: the scikit-learn versions whose files raised it (for a missing *method*, the writers
#            that have the method and so record calls to it)
# Run on the host: python3 tools/compat/predict_reads.py
import collections, glob, json, re, os
root = os.path.join(os.path.dirname(__file__), "..", "..")
PAT = r"'(\w+)' object has no attribute '(\w+)'"
# target -> class -> attr -> {"methods": set, "writers": set, "direct": bool}
req = collections.defaultdict(lambda: collections.defaultdict(lambda: collections.defaultdict(
    lambda: {"methods": set(), "writers": set(), "direct": False})))
for f in sorted(glob.glob(os.path.join(root, "build", "compat", "*.json"))):
    d = json.load(open(f))
    for c in d["cases"]:
        if c["status"] != "predict_error":
            continue
        found = set()
        for method, out in (c.get("outputs") or {}).items():
            m = re.search(PAT, out.get("error") or "")
            if m and m.group(1) != "str":
                found.add(m.groups())
                e = req[d["target"]][m.group(1)][m.group(2)]
                e["writers"].add(d["source"])
                if c["estimator"] == m.group(1):
                    e["direct"] = True
                    e["methods"].add(method)
        m = re.search(PAT, c.get("error") or "")
        if m and m.group(1) != "str" and m.groups() not in found:
            req[d["target"]][m.group(1)][m.group(2)]["writers"].add(d["source"])

def entry(e):
    return {"methods": sorted(e["methods"]) if e["direct"] else ["*"], "writers": sorted(e["writers"])}

out = {"kind": "predict-reads",
       "note": "attributes each target version's methods were measured to read (AttributeError when absent): "
               "the methods that read each, and the writing versions seen to hit it; from tools/compat/matrix.sh "
               "via tools/compat/predict_reads.py",
       "reads": {t: {k: {a: entry(e) for a, e in sorted(v.items())} for k, v in sorted(d.items())} for t, d in sorted(req.items())}}
json.dump(out, open(os.path.join(root, "src", "compat", "data", "predict-reads.json"), "w"), indent=1)
