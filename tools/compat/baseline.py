#!/usr/bin/env python3
"""Cross-version baseline: what plain joblib.load / pickle.load does with other versions' models.

Two modes (tools/compat/matrix.sh runs both):

  baseline.py run [--fixtures tests/fixtures] [--out build/compat]
      Inside one environment (the target): for every fixture folder (the sources, the target's own
      version included as a control), load one representative file per case - the uncompressed
      joblib, or the protocol-2 pickle when the target's Python cannot read the joblib's protocol -
      call every recorded method on the recorded inputs and compare with the recorded outputs
      (labels equal; floats |a-b| <= 1e-9*max(|a|,|b|) + 1e-12; NaN equals NaN). Each case runs in
      a forked child, so a crash in C code is recorded instead of ending the run. Writes
      <out>/<source>__<target>.json.

  baseline.py report [--out build/compat] [--md docs/compatibility.md]
      Turn all result files into the markdown report.

Statuses: same (loads, every output equal), different (loads, predicts, some output differs:
a silent change), load_error (load raised or crashed), predict_error (a recorded method raised or
is missing).
"""
import argparse
import glob
import json
import os
import pickle
import platform
import signal
import sys
import traceback
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
STATUSES = ["same", "different", "load_error", "predict_error"]
TIMEOUT = 120  # seconds per case


def first_line(e):
    msg = str(e).strip().split("\n")[0] if str(e).strip() else ""
    return ("%s: %s" % (type(e).__name__, msg)).strip()[:300]


def pickle_protocol(path):
    """Protocol of an uncompressed pickle / joblib file (PROTO opcode), None if unknown."""
    with open(path, "rb") as f:
        head = f.read(2)
    return head[1] if len(head) == 2 and head[0] == 0x80 else None


def choose_file(case, folder):
    files = case["files"]
    jl = next(f for f in files if f["format"] == "joblib" and f["compressor"] is None)
    proto = pickle_protocol(os.path.join(folder, jl["path"]))
    if proto is not None and proto > pickle.HIGHEST_PROTOCOL:
        return next(f for f in files if f["format"] == "pickle" and f["protocol"] == 2), \
            "joblib file uses pickle protocol %d > %d" % (proto, pickle.HIGHEST_PROTOCOL)
    return jl, None


def compare(expected, got):
    """(equal, max_abs_err, max_rel_err) of a recorded and a recomputed output."""
    import numpy as np
    if expected.shape != got.shape:
        return False, None, None
    if expected.dtype.kind in "US" or got.dtype.kind in "USO":
        return bool(np.array_equal(expected.astype(str), got.astype(str))), None, None
    e, g = expected.astype(np.float64), got.astype(np.float64)
    if expected.dtype.kind in "biu" and got.dtype.kind in "biuf":
        return bool(np.array_equal(e, g)), None, None
    both_nan = np.isnan(e) & np.isnan(g)
    same_inf = np.isinf(e) & (e == g)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(e - g)
        scale = np.maximum(np.abs(e), np.abs(g))
        ok = both_nan | same_inf | (diff <= 1e-9 * scale + 1e-12)
        finite = np.isfinite(diff)
        max_abs = float(diff[finite].max()) if finite.any() else 0.0
        rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1), 0.0)
        max_rel = float(rel[finite].max()) if finite.any() else 0.0
    return bool(ok.all()), max_abs, max_rel


def check_case(case, folder, manifest, f=None):
    """Load and check one case (file f, default: the representative one); returns the result dict
    (runs in the forked child)."""
    import numpy as np
    import joblib
    import generate  # tools/fixtures/generate.py: the same input loading as the generator

    note = None
    if f is None:
        f, note = choose_file(case, folder)
    res = {"name": case["name"], "estimator": case["estimator"], "file": f["path"], "note": note,
           "status": None, "error": None, "warnings": [], "outputs": {}}
    path = os.path.join(folder, f["path"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if f["format"] == "joblib":
                est = joblib.load(path)
            else:
                with open(path, "rb") as fh:
                    est = pickle.load(fh)
        except Exception as e:
            res["status"], res["error"] = "load_error", first_line(e)
            return res
    res["warnings"] = sorted({"%s: %s" % (w.category.__name__, str(w.message).split("\n")[0][:200])
                              for w in caught})

    ds = manifest["datasets"][case["dataset"]]
    X = generate.model_input(case["estimator"], ds["kind"], generate.load_inputs(folder, ds))
    results = {}
    warnings.simplefilter("ignore")
    for key, out in case["outputs"].items():
        method = "kneighbors" if key.startswith("kneighbors") else key
        expected = np.load(os.path.join(folder, out["path"]), allow_pickle=False)
        try:
            if method not in results:
                # "predict_std" is the second value of predict(X, return_std=True).
                results[method] = (est.predict(X, return_std=True)[1] if method == "predict_std"
                                   else getattr(est, method)(X))
            val = results[method]
            if key == "kneighbors_distances":
                val = val[0]
            elif key == "kneighbors_indices":
                val = val[1]
            got = generate.as_output(val)
        except Exception as e:
            results.setdefault(method, None)
            res["outputs"][key] = {"status": "error", "error": first_line(e)}
            continue
        eq, max_abs, max_rel = compare(expected, got)
        o = {"status": "same" if eq else "different", "max_abs": max_abs, "max_rel": max_rel}
        if expected.shape != got.shape:
            o["shape"] = [list(expected.shape), list(got.shape)]
        res["outputs"][key] = o
    errs = [o for o in res["outputs"].values() if o["status"] == "error"]
    if errs:
        res["status"], res["error"] = "predict_error", errs[0]["error"]
    elif any(o["status"] == "different" for o in res["outputs"].values()):
        res["status"] = "different"
    else:
        res["status"] = "same"
    return res


def call_forked(fn, args, on_failure):
    """fn(*args) in a child process, its JSON result returned; an exception in the child, a crash
    or a hang (TIMEOUT) becomes on_failure(message) instead of ending the run."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            out = json.dumps(fn(*args), allow_nan=False).encode()
        except BaseException as e:
            out = json.dumps(on_failure("checker: " + first_line(e)), allow_nan=False).encode()
        with os.fdopen(w, "wb") as fh:
            fh.write(out)
        os._exit(0)
    os.close(w)

    def on_alarm(*_):
        os.kill(pid, signal.SIGKILL)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TIMEOUT)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    signal.alarm(0)
    if data:
        return json.loads(data)
    how = "killed by signal %d" % os.WTERMSIG(status) if os.WIFSIGNALED(status) else "exit %d" % status
    return on_failure("process crashed (%s) while loading or predicting" % how)


def run_forked(case, folder, manifest):
    """check_case in a child process; a crash or a hang becomes a load_error."""
    def measure():
        res = check_case(case, folder, manifest)
        if res["status"] == "load_error" and res["file"].endswith(".joblib"):
            # Secondary measurement: is it the joblib container or the pickled objects?
            p2 = next(f for f in case["files"] if f["format"] == "pickle" and f["protocol"] == 2)
            alt = check_case(case, folder, manifest, p2)
            res["pickle_p2"] = {"status": alt["status"], "error": alt["error"]}
        return res

    return call_forked(measure, (), lambda message: {
        "name": case["name"], "estimator": case["estimator"], "file": None, "status": "load_error",
        "error": message, "warnings": [], "outputs": {}})


def cmd_run(args):
    sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
    import numpy, scipy, joblib, sklearn  # noqa: E401
    import generate
    target = generate.versions()
    os.makedirs(args.out, exist_ok=True)
    for mpath in sorted(glob.glob(os.path.join(args.fixtures, "*", "manifest.json"))):
        folder = os.path.dirname(mpath)
        with open(mpath) as fh:
            manifest = json.load(fh)
        source = manifest["versions"]["sklearn"]
        cases = [run_forked(c, folder, manifest) for c in manifest["cases"]]
        counts = {s: sum(c["status"] == s for c in cases) for s in STATUSES}
        result = {"source": source, "target": target["sklearn"], "source_versions": manifest["versions"],
                  "target_versions": target, "counts": counts, "cases": cases}
        name = os.path.join(args.out, "%s__%s.json" % (source, target["sklearn"]))
        with open(name, "w") as fh:
            json.dump(result, fh, indent=1, allow_nan=False)
        print("%s -> %s: %s" % (source, target["sklearn"], " ".join("%s=%d" % kv for kv in counts.items())),
              flush=True)


def vkey(v):
    return tuple(int(x) if x.isdigit() else 0 for x in v.split("."))


def md_escape(s):
    return (s or "").replace("|", "\\|").replace("\n", " ")


def cmd_report(args):
    results = {}
    for p in glob.glob(os.path.join(args.out, "*__*.json")):
        with open(p) as fh:
            r = json.load(fh)
        results[(r["source"], r["target"])] = r
    if not results:
        sys.exit("report: no results in %s (run 'baseline.py run' first)" % args.out)
    versions = sorted({v for k in results for v in k}, key=vkey)
    envs = {}
    for r in results.values():
        envs[r["target"]] = r["target_versions"]
        envs.setdefault(r["source"], r["source_versions"])

    L = []
    L.append("# Cross-version compatibility baseline")
    L.append("")
    L.append("What plain `joblib.load` does today when a scikit-learn model is written by one version and "
             "loaded by another: the baseline that `skbridge port` and native prediction must beat. "
             "Generated by `tools/compat/matrix.sh` (do not edit by hand) from the fixture corpus in "
             "`tests/fixtures/` (see `docs/environments.md`).")
    L.append("")
    L.append("The same source x target matrix after `skbridge port` (ported files loaded by plain "
             "`joblib.load` in the real target) is in [port-matrix.md](port-matrix.md); how well "
             "`skbridge doctor` predicts this baseline is in [doctor.md](doctor.md).")
    L.append("")
    L.append("Method: in each target environment, one file per case (the uncompressed joblib; the "
             "protocol-2 pickle if the target's Python could not read the joblib's pickle protocol) is "
             "loaded with plain `joblib.load`, every recorded method (predict, predict_proba, "
             "predict_log_proba, decision_function, transform, score_samples, kneighbors) is called on "
             "the recorded inputs, and the result is compared with what the source version recorded: "
             "labels equal, floats within |a-b| <= 1e-9·max(|a|,|b|) + 1e-12. The diagonal "
             "(same version) is a control and must be all *same*.")
    L.append("")
    L.append("| environment | scikit-learn | numpy | scipy | joblib | pandas | Python |")
    L.append("|---|---|---|---|---|---|---|")
    for v in versions:
        e = envs[v]
        L.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            SUITE_OF.get(v, "?"), v, e["numpy"], e["scipy"], e["joblib"], e["pandas"], e["python"]))
    L.append("")
    off = [r for (s, t), r in results.items() if s != t]
    tot = {k: sum(r["counts"][k] for r in off) for k in STATUSES}
    n = sum(tot.values())
    L.append("**Headline.** Across the %d cross-version loads (every case of every source loaded by every "
             "other version): %d (%.0f%%) load and predict the same, %d (%.0f%%) load and predict silently "
             "differently, %d (%.0f%%) fail to load, %d (%.0f%%) load but fail at predict." % (
                 n, tot["same"], 100.0 * tot["same"] / max(n, 1), tot["different"], 100.0 * tot["different"] / max(n, 1),
                 tot["load_error"], 100.0 * tot["load_error"] / max(n, 1),
                 tot["predict_error"], 100.0 * tot["predict_error"] / max(n, 1)))
    L.append("")
    L.append("## Matrix")
    L.append("")
    L.append("Rows: version that wrote the file (source). Columns: version that loads it (target). "
             "Each cell: **same** / *different* (loads and predicts, but silently differently) / "
             "load fails / predict fails, out of the source's cases.")
    L.append("")
    L.append("| source \\ target | " + " | ".join(versions) + " |")
    L.append("|---|" + "---|" * len(versions))
    for s in versions:
        cells = []
        for t in versions:
            r = results.get((s, t))
            if r is None:
                cells.append("n/a")
                continue
            c = r["counts"]
            cells.append("**%d** / *%d* / %d / %d of %d" % (c["same"], c["different"], c["load_error"],
                                                         c["predict_error"], len(r["cases"])))
        L.append("| **%s** | " % s + " | ".join(cells) + " |")
    L.append("")
    for title, key in [("Loads and predicts the same", "same"), ("Loads, predicts differently (silent)", "different"),
                       ("Fails to load", "load_error"), ("Loads, fails at predict", "predict_error")]:
        L.append("**%s** (cases)" % title)
        L.append("")
        L.append("| source \\ target | " + " | ".join(versions) + " |")
        L.append("|---|" + "---|" * len(versions))
        for s in versions:
            L.append("| **%s** | " % s + " | ".join(
                str(results[(s, t)]["counts"][key]) if (s, t) in results else "n/a" for t in versions) + " |")
        L.append("")
    L.append("**Fails to load as joblib, but the protocol-2 pickle of the same model loads with "
             "`pickle.load`** (cases; in brackets: of which predict the same). A failure here is in "
             "joblib's container format, not in the pickled objects.")
    L.append("")
    L.append("| source \\ target | " + " | ".join(versions) + " |")
    L.append("|---|" + "---|" * len(versions))
    for s in versions:
        cells = []
        for t in versions:
            r = results.get((s, t))
            if r is None:
                cells.append("n/a")
                continue
            alt = [c["pickle_p2"]["status"] for c in r["cases"] if c.get("pickle_p2")]
            loads = sum(a != "load_error" for a in alt)
            cells.append("%d (%d)" % (loads, sum(a == "same" for a in alt)))
        L.append("| **%s** | " % s + " | ".join(cells) + " |")
    L.append("")
    warned = [(s, t, sum(bool(c["warnings"]) for c in r["cases"] if c["status"] != "load_error"))
              for (s, t), r in sorted(results.items(), key=lambda kv: (vkey(kv[0][0]), vkey(kv[0][1]))) if s != t]
    L.append("Loads that emitted a warning (e.g. `InconsistentVersionWarning`): " +
             ", ".join("%s→%s: %d" % w for w in warned) + ".")
    L.append("")
    notes = sorted({(c["note"]) for r in results.values() for c in r["cases"] if c.get("note")})
    if notes:
        L.append("Pickle protocol fallbacks: " + "; ".join(notes) + ".")
    else:
        L.append("Pickle protocols: every target Python (3.9 and later) reads protocol 5, so no case needed "
                 "the protocol-2 fallback.")
    L.append("")

    L.append("## Failures per pair")
    L.append("")
    for s in versions:
        for t in versions:
            r = results.get((s, t))
            if r is None or s == t:
                continue
            fails = [c for c in r["cases"] if c["status"] in ("load_error", "predict_error")]
            L.append("### %s → %s: %d load failures, %d predict failures" % (
                s, t, r["counts"]["load_error"], r["counts"]["predict_error"]))
            L.append("")
            if not fails:
                L.append("None.")
                L.append("")
                continue
            # One row per distinct (stage, error, outcome with the protocol-2 pickle), listing its cases.
            groups = {}
            for c in sorted(fails, key=lambda c: c["name"]):
                alt = c.get("pickle_p2")
                alt = "" if not alt else alt["status"] if alt["status"] == "same" else \
                    "fails the same way" if alt["error"] == c["error"] else \
                    "%s: %s" % (alt["status"], alt["error"] or "outputs differ")
                stage = "load" if c["status"] == "load_error" else "predict"
                groups.setdefault((stage, c["error"] or "", alt), []).append(c["name"])
            L.append("| stage | error (first line) | protocol-2 pickle instead | cases |")
            L.append("|---|---|---|---|")
            for (stage, err, alt), names in sorted(groups.items(), key=lambda kv: (kv[0][0], -len(kv[1]), kv[0][1])):
                L.append("| %s | %s | %s | %d: %s |" % (stage, md_escape(err), md_escape(alt), len(names),
                                                       ", ".join(names)))
            L.append("")

    L.append("## Silent differences")
    L.append("")
    L.append("Cases that load and predict without any error but give different outputs.")
    L.append("")
    any_diff = False
    for s in versions:
        for t in versions:
            r = results.get((s, t))
            if r is None:
                continue
            diffs = [c for c in r["cases"] if c["status"] == "different"]
            if not diffs:
                continue
            any_diff = True
            L.append("### %s → %s: %d cases" % (s, t, len(diffs)))
            L.append("")
            L.append("| case | outputs that differ (max abs / max rel error) |")
            L.append("|---|---|")
            for c in sorted(diffs, key=lambda c: c["name"]):
                parts = []
                for k, o in sorted(c["outputs"].items()):
                    if o["status"] != "different":
                        continue
                    if "shape" in o:
                        parts.append("%s: shape %s vs %s" % (k, o["shape"][0], o["shape"][1]))
                    elif o["max_abs"] is None:
                        parts.append("%s: labels differ" % k)
                    else:
                        parts.append("%s: %.3g / %.3g" % (k, o["max_abs"], o["max_rel"]))
                L.append("| %s | %s |" % (c["name"], md_escape("; ".join(parts))))
            L.append("")
    if not any_diff:
        L.append("None.")
        L.append("")
    # keep the plain-vs-ported block that tests/live/port_check.py maintains in this file
    begin, end = "<!-- port-matrix:begin -->", "<!-- port-matrix:end -->"
    if os.path.isfile(args.md):
        with open(args.md) as fh:
            old = fh.read()
        if begin in old and end in old:
            block = old[old.index(begin):old.index(end) + len(end)].split("\n")
            at = L.index("## Failures per pair") if "## Failures per pair" in L else len(L)
            L[at:at] = block + [""]
    os.makedirs(os.path.dirname(os.path.abspath(args.md)), exist_ok=True)
    with open(args.md, "w") as fh:
        fh.write("\n".join(L))
    print("wrote %s" % args.md)


SUITE_OF = {}  # filled from --suites (version=suite pairs) for the report's environment table


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd")
    run = sub.add_parser("run")
    run.add_argument("--fixtures", default=os.path.join("tests", "fixtures"))
    run.add_argument("--out", default=os.path.join("build", "compat"))
    rep = sub.add_parser("report")
    rep.add_argument("--out", default=os.path.join("build", "compat"))
    rep.add_argument("--md", default=os.path.join("docs", "compatibility.md"))
    rep.add_argument("--suites", default="", help="comma-separated VERSION=SUITE pairs")
    args = ap.parse_args()
    if args.cmd == "run":
        cmd_run(args)
    elif args.cmd == "report":
        SUITE_OF.update(p.split("=", 1) for p in args.suites.split(",") if "=" in p)
        cmd_report(args)
    else:
        ap.print_help()
        sys.exit(2)


if __name__ == "__main__":
    main()
