#!/usr/bin/env python3
"""Live test of `skbridge port` against the real scikit-learn environments.

Two roles in one file:

  port_check.py --skbridge BUILD/apps/cli/skbridge [--suites ...] [--sources ...] [--cases REGEX] [--matrix FILE]
      On the host (ctest `live_port`). For every fixture folder (tests/fixtures/<version>) and every
      OTHER built environment (a missing one is reported as SKIPPED, never passed silently), every
      case's uncompressed .joblib is ported with `skbridge port --target sklearn=<target>`. A port
      that refuses is counted as 'refused' (with its reason); a written file is loaded in the real
      target with plain joblib.load and every recorded output is compared (labels equal, floats
      within 1e-9 relative: tools/compat/baseline.py). Prints the source x target matrix
      (ported+same / refused / failed), writes it to --matrix, and exits 1 when any written file
      failed to load, to predict, or predicted differently.

  port_check.py --check SPEC.json
      Inside one environment: checks every ported file of SPEC, writes SPEC's results file.
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SUITES = ["bullseye", "bookworm", "trixie", "sid"]
sys.path.insert(0, HERE)
import writer_roundtrip as wr  # noqa: E402 - environments(), forked(), check_one()


def port_pair(skbridge, src_version, folder, target, out_dir, only=None):
    """Ports every case of one fixture folder to one target; returns (jobs, refusals)."""
    with open(os.path.join(folder, "manifest.json")) as fh:
        manifest = json.load(fh)
    jobs, refused = [], {}
    for case in manifest["cases"]:
        if only and not only.search(case["name"]):
            continue
        src = next((f for f in case["files"] if f["format"] == "joblib" and f["compressor"] is None), None)
        if src is None:
            continue
        out = os.path.join(out_dir, case["name"] + ".joblib")
        r = subprocess.run([skbridge, "port", os.path.join(folder, src["path"]), "--target", "sklearn=" + target["sklearn"],
                            "-o", out], capture_output=True, text=True)
        if r.returncode == 0 and os.path.isfile(out):
            jobs.append({"case": case["name"], "path": os.path.relpath(out, ROOT), "format": "joblib", "options": {}})
        else:
            msg = (r.stderr.strip().splitlines() or ["exit %d" % r.returncode])[-1]
            refused[case["name"]] = msg.replace("skbridge port: refused: ", "")
    return jobs, refused


def reason_key(msg):
    """A short grouping key for a refusal message."""
    for key in ["does not exist in scikit-learn", "was not measured", "fitted with missing values", "cannot derive",
                "one-vs-rest", "SAMME.R", "PLS", "coef_ changed layout", "after porting", "no measured knowledge"]:
        if key in msg:
            return key
    return msg[:80]


def run_host(args):
    envs = wr.environments()
    suites = args.suites.split(",") if args.suites else SUITES
    versions = sorted(d for d in os.listdir(os.path.join(ROOT, "tests", "fixtures"))
                      if os.path.isfile(os.path.join(ROOT, "tests", "fixtures", d, "manifest.json")))
    if args.sources:
        versions = [v for v in versions if v in args.sources.split(",")]
    only = re.compile(args.cases) if args.cases else None
    targets = {}
    for suite in suites:
        if suite not in envs:
            print("live_port: SKIPPED %s: environment not built (run tools/sklenv build %s)" % (suite, suite), flush=True)
            continue
        targets[envs[suite]["sklearn"]] = (suite, envs[suite])
    work = tempfile.mkdtemp(prefix=".live_port.", dir=ROOT)  # must be inside /work of the chroots
    t0 = time.time()
    # a private copy of the CLI: a concurrent rebuild must not swap it mid-run
    skbridge = os.path.join(work, "skbridge")
    shutil.copy2(args.skbridge, skbridge)
    matrix = {}  # (src, tgt) -> dict(same, refused, failed, failures, refusals)
    try:
        pairs = [(s, t) for s in versions for t in sorted(targets, key=wr.vtuple) if s != t]

        def do_pair(pair):
            s, t = pair
            suite, tenv = targets[t]
            folder = os.path.join(ROOT, "tests", "fixtures", s)
            out_dir = os.path.join(work, "%s_to_%s" % (s, t))
            os.makedirs(out_dir)
            jobs, refused = port_pair(skbridge, s, folder, tenv, out_dir, only)
            cell = {"same": 0, "refused": len(refused), "failed": 0, "failures": [], "refusals": refused,
                    "restricted": 0, "restrictions": []}
            if jobs:
                spec_path = os.path.join(out_dir, "spec.json")
                res_path = os.path.join(out_dir, "results.json")
                with open(spec_path, "w") as fh:
                    json.dump({"fixtures": os.path.relpath(folder, ROOT), "jobs": jobs,
                               "results": os.path.relpath(res_path, ROOT)}, fh)
                env = dict(os.environ, SKBRIDGE_WORK=ROOT)
                subprocess.run([os.path.join(ROOT, "tools", "sklenv"), "run", suite, os.path.relpath(__file__, ROOT),
                                "--check", os.path.relpath(spec_path, ROOT)], cwd=ROOT, env=env)
                results = {}
                if os.path.isfile(res_path):
                    with open(res_path) as fh:
                        results = json.load(fh)
                for j in jobs:
                    res = results.get(j["case"], {"status": "load_error", "error": "no result from the environment"})
                    if res["status"] == "same":
                        cell["same"] += 1
                    elif "contains NaN" in (res.get("error") or ""):
                        # A tree fitted by >= 1.3 (which routes NaN) ported below 1.3, where scikit-learn
                        # refuses NaN input: the port raises instead of predicting, never differs silently.
                        cell["restricted"] += 1
                        cell["restrictions"].append("%s: %s" % (j["case"], (res.get("error") or "")[:200]))
                        print("live_port: RESTRICTED %s -> %s %s" % (s, t, cell["restrictions"][-1]), flush=True)
                    else:
                        cell["failed"] += 1
                        cell["failures"].append("%s: %s %s" % (j["case"], res["status"], res.get("error") or ""))
                        print("live_port: FAIL %s -> %s %s" % (s, t, cell["failures"][-1][:300]), flush=True)
            print("live_port: %s -> %s: %d ported+same, %d refused, %d failed (%.0fs)" % (
                s, t, cell["same"], cell["refused"], cell["failed"], time.time() - t0), flush=True)
            return pair, cell

        with ThreadPoolExecutor(max_workers=2) as pool:
            for pair, cell in pool.map(do_pair, pairs):
                matrix[pair] = cell
    finally:
        shutil.rmtree(work, ignore_errors=True)

    tgts = sorted(targets, key=wr.vtuple)
    lines = ["# skbridge port: source x target matrix", "",
             "Generated by `tests/live/port_check.py` (ctest `live_port`; do not edit by hand). Every fixture of every "
             "version (its uncompressed .joblib) is ported with `skbridge port --target sklearn=TARGET`, then loaded with "
             "plain `joblib.load` in the real target environment, and every recorded output is compared (labels equal, "
             "floats within 1e-9 relative). Cells: ported+same / refused / failed. A refusal is a port that `skbridge` "
             "declined with a reason (it wrote nothing); a failure is a written file that did not load or predicted "
             "differently.", "",
             "| source \\ target | " + " | ".join(tgts) + " |", "|---|" + "---|" * len(tgts)]
    for s in versions:
        row = []
        for t in tgts:
            c = matrix.get((s, t))
            row.append("—" if c is None else "%d / %d / %d" % (c["same"], c["refused"], c["failed"]))
        lines.append("| %s | %s |" % (s, " | ".join(row)))
    totals = collections.Counter()
    for c in matrix.values():
        totals.update({"same": c["same"], "refused": c["refused"], "failed": c["failed"]})
    lines += ["", "Total: %d ported+same, %d refused, %d failed." % (totals["same"], totals["refused"], totals["failed"]), "",
              "## Refusals by reason", "", "| reason | count | example |", "|---|---|---|"]
    reasons = collections.defaultdict(list)
    for (s, t), c in sorted(matrix.items()):
        for name, msg in sorted(c["refusals"].items()):
            reasons[reason_key(msg)].append("%s -> %s %s: %s" % (s, t, name, msg))
    for key, items in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
        lines.append("| %s | %d | %s |" % (key.replace("|", "\\|"), len(items), items[0][:300].replace("|", "\\|")))
    lines += ["", "## All refusals", ""]
    for key, items in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
        for it in items:
            lines.append("- " + it.replace("|", "\\|")[:400])
    restricted = [(s, t, r) for (s, t), c in sorted(matrix.items()) for r in c.get("restrictions", [])]
    if restricted:
        lines += ["", "## Restricted: the ported file rejects NaN input the original accepted", "",
                  "Trees fitted by scikit-learn >= 1.3 route missing values; below 1.3 scikit-learn rejects NaN input. "
                  "Such a port predicts identically on every row without NaN and raises on rows with NaN (never a "
                  "different number).", ""]
        lines += ["- %s -> %s %s" % r for r in restricted]
    if totals["failed"]:
        lines += ["", "## Failures", ""]
        for (s, t), c in sorted(matrix.items()):
            for f in c["failures"]:
                lines.append("- %s -> %s %s" % (s, t, f[:300]))
    text = "\n".join(lines) + "\n"
    print(text)
    if args.matrix and matrix:
        with open(os.path.join(ROOT, args.matrix), "w") as fh:
            fh.write(text)
    if args.matrix == "docs/port-matrix.md" and not only and len(matrix) == len(versions) * (len(versions) - 1):
        update_compatibility(matrix, versions)
    if not targets:
        print("live_port: SKIPPED: no environment built")
    return 0 if totals["failed"] == 0 else 1


def update_compatibility(matrix, versions):
    """Writes the plain-load vs ported-load matrix into docs/compatibility.md, between markers that
    tools/compat/baseline.py keeps when it regenerates the file."""
    md = os.path.join(ROOT, "docs", "compatibility.md")
    with open(os.path.join(ROOT, "tests", "compat", "baseline.json")) as fh:
        baseline = json.load(fh)
    begin, end = "<!-- port-matrix:begin -->", "<!-- port-matrix:end -->"
    L = [begin, "## Plain load vs `skbridge port`", "",
         "Rows: version that wrote the file; columns: the real target. Each cell: cases that plain `joblib.load` loads "
         "and predicts the same → cases that load and predict the same after `skbridge port --target` (refused by port "
         "with a reason / ported but failed), out of the source's cases. Written by `tests/live/port_check.py` (ctest "
         "`live_port`) from `tests/compat/baseline.json` and the live ports; the refusal reasons are in "
         "[port-matrix.md](port-matrix.md).", "",
         "| source \\ target | " + " | ".join(versions) + " |", "|---|" + "---|" * len(versions)]
    plain_total = ported_total = cases_total = 0
    for s in versions:
        row = []
        for t in versions:
            c = matrix.get((s, t))
            if c is None:
                row.append("—")
                continue
            plain = baseline.get(s, {}).get(t, {})
            same = sum(1 for r in plain.values() if r.get("status") == "same")
            n = c["same"] + c["refused"] + c["failed"] + c.get("restricted", 0)
            plain_total, ported_total, cases_total = plain_total + same, ported_total + c["same"], cases_total + n
            row.append("%d → **%d** (%d / %d) of %d" % (same, c["same"], c["refused"], c["failed"], n))
        L.append("| **%s** | %s |" % (s, " | ".join(row)))
    L += ["", "Total: plain load predicts the same in %d of %d cross-version loads; after `skbridge port`, %d." % (
        plain_total, cases_total, ported_total), end]
    with open(md) as fh:
        text = fh.read()
    block = "\n".join(L)
    if begin in text and end in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        at = text.find("## Failures per pair")
        text = (text[:at] + block + "\n\n" + text[at:]) if at >= 0 else text + "\n" + block + "\n"
    with open(md, "w") as fh:
        fh.write(text)


def run_check(args):
    sys.path.insert(0, os.path.join("/work", "tools", "compat"))
    sys.path.insert(0, os.path.join("/work", "tools", "fixtures"))
    import importlib
    import warnings
    import baseline  # noqa: F401
    import generate
    warnings.simplefilter("ignore")
    for m in generate.MODULES:
        try:
            importlib.import_module("sklearn." + m)
        except ImportError:
            pass
    with open(os.path.join("/work", args.check)) as fh:
        spec = json.load(fh)
    folder = os.path.join("/work", spec["fixtures"])
    with open(os.path.join(folder, "manifest.json")) as fh:
        manifest = json.load(fh)
    cases = {c["name"]: c for c in manifest["cases"]}
    results = {}
    for job in spec["jobs"]:
        res = wr.forked(wr.check_one, job, cases[job["case"]], folder, manifest)
        bad = sorted(k for k, o in res.get("outputs", {}).items() if o.get("status") != "same")
        results[job["case"]] = {"status": res["status"], "error": res.get("error") or ", ".join(bad)}
    with open(os.path.join("/work", spec["results"]), "w") as fh:
        json.dump(results, fh)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--skbridge", help="path of the skbridge CLI (host role)")
    ap.add_argument("--suites", default="", help="comma-separated target environments (default: all four)")
    ap.add_argument("--matrix", default="docs/port-matrix.md", help="where to write the matrix (relative to the repository)")
    ap.add_argument("--cases", default="", help="only cases whose name matches this regular expression (a partial run: "
                    "use --matrix to write elsewhere)")
    ap.add_argument("--sources", default="", help="comma-separated source versions (default: every fixture folder)")
    ap.add_argument("--check", help="spec file, relative to the repository (environment role)")
    args = ap.parse_args()
    if args.check:
        sys.exit(run_check(args))
    if args.skbridge:
        sys.exit(run_host(args))
    ap.print_help()
    sys.exit(2)


if __name__ == "__main__":
    main()
