#!/usr/bin/env python3
"""Live test of skbridge's pickle/joblib writer against the real scikit-learn environments.

Two roles in one file:

  writer_roundtrip.py --rewrite BUILD/tests/rewrite_model [--suites bullseye,bookworm,...]
      On the host (ctest `live_writer`). For every environment of tools/sklenv that is built (a
      missing one is reported as SKIPPED, never passed silently), every case of its OWN fixture
      folder (tests/fixtures/<its scikit-learn version>) is read by skbridge and written back twice
      by rewrite_model: as a plain pickle (protocol 2) and as a joblib file (protocol 2..5 and
      compressor none/zlib/gzip/bz2/xz/lzma rotating over the cases; array alignment 16, or 0 for
      joblib < 1.2; numpy._core paths when the environment runs numpy 2). Then the environment runs
      this script in the role below. Exit 0 when every present environment passed.

  writer_roundtrip.py --check JOBS.json
      Inside one environment: loads every rewritten file with plain pickle.load / joblib.load and
      calls every recorded method on the recorded inputs; the outputs must equal the recorded ones
      (tools/compat/baseline.py's conventions: labels equal, floats within 1e-9 relative, NaN ==
      NaN). Each case runs in a forked child, so a crash is a failure, not the end of the run.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SUITES = ["bullseye", "bookworm", "trixie", "sid"]
COMPRESSORS = ["none", "zlib", "gzip", "bz2", "xz", "lzma"]


def vtuple(v):
    out = []
    for part in v.split("."):
        digits = "".join(c for c in part if c.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out)


# ---- host role ---------------------------------------------------------------------------------

def environments():
    """{suite: {'sklearn': ..., 'numpy': ..., ...}} for the built environments."""
    out = subprocess.run([os.path.join(ROOT, "tools", "sklenv"), "list"], capture_output=True, text=True).stdout
    envs = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1] == "ready":
            envs[parts[0]] = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
    return envs


def plan_jobs(suite, versions, folder, out_dir):
    """The rewrite jobs of one environment: (source case, file written, options) for every case."""
    with open(os.path.join(folder, "manifest.json")) as fh:
        manifest = json.load(fh)
    numpy2 = vtuple(versions["numpy"]) >= (2,)
    alignment = 16 if vtuple(versions["joblib"]) >= (1, 2) else 0  # joblib < 1.2 reads no padding
    jobs = []
    for i, case in enumerate(manifest["cases"]):
        src = next(f for f in case["files"] if f["format"] == "joblib" and f["compressor"] is None)
        base = os.path.join(out_dir, case["name"])
        common = {"numpy2": int(numpy2)}
        jobs.append({"case": case["name"], "source": src["path"], "path": base + ".p2.pkl", "format": "pickle",
                     "options": dict(common, protocol=2, format="pickle")})
        jobs.append({"case": case["name"], "source": src["path"], "path": base + ".joblib", "format": "joblib",
                     "options": dict(common, protocol=2 + i % 4, format="joblib", compress=COMPRESSORS[i % len(COMPRESSORS)],
                                     alignment=alignment)})
    return jobs


def run_host(args):
    envs = environments()
    suites = args.suites.split(",") if args.suites else SUITES
    work = tempfile.mkdtemp(prefix=".live_writer.", dir=ROOT)  # must be inside /work of the chroots
    passed = failed = skipped = 0
    try:
        for suite in suites:
            if suite not in envs:
                print("live_writer: SKIPPED %s: environment not built (run tools/sklenv build %s)" % (suite, suite), flush=True)
                skipped += 1
                continue
            versions = envs[suite]
            folder = os.path.join(ROOT, "tests", "fixtures", versions.get("sklearn", "?"))
            if not os.path.isfile(os.path.join(folder, "manifest.json")):
                print("live_writer: SKIPPED %s: no fixtures for scikit-learn %s in %s" % (suite, versions.get("sklearn"), folder),
                      flush=True)
                skipped += 1
                continue
            out_dir = os.path.join(work, suite)
            os.makedirs(out_dir)
            jobs = plan_jobs(suite, versions, folder, out_dir)
            lines = "".join("%s %s %s\n" % (os.path.join(folder, j["source"]), j["path"],
                                            " ".join("%s=%s" % kv for kv in sorted(j["options"].items()))) for j in jobs)
            r = subprocess.run([args.rewrite, "-"], input=lines, text=True)
            if r.returncode != 0:
                print("live_writer: FAILED %s: rewrite_model could not rewrite every file (exit %d)" % (suite, r.returncode),
                      flush=True)
                failed += 1
                continue
            spec = {"suite": suite, "versions": versions, "fixtures": os.path.relpath(folder, ROOT),
                    "jobs": [dict(j, path=os.path.relpath(j["path"], ROOT)) for j in jobs]}
            spec_path = os.path.join(out_dir, "jobs.json")
            with open(spec_path, "w") as fh:
                json.dump(spec, fh)
            env = dict(os.environ, SKBRIDGE_WORK=ROOT)
            r = subprocess.run([os.path.join(ROOT, "tools", "sklenv"), "run", suite, os.path.relpath(__file__, ROOT),
                                "--check", os.path.relpath(spec_path, ROOT)], cwd=ROOT, env=env)
            if r.returncode == 0:
                passed += 1
            else:
                print("live_writer: FAILED in %s" % suite, flush=True)
                failed += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("live_writer: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 0 if failed == 0 else 1


# ---- environment role --------------------------------------------------------------------------

def check_one(job, case, folder, manifest):
    import warnings
    import baseline  # tools/compat/baseline.py: loading, calling and comparing as the baseline does
    warnings.simplefilter("ignore")
    f = {"path": os.path.join("/work", job["path"]), "format": job["format"]}
    return baseline.check_case(case, folder, manifest, f)


def forked(fn, *a):
    import baseline  # tools/compat/baseline.py runs each case in a child the same way
    return baseline.call_forked(fn, a, lambda message: {"status": "load_error", "error": message})


def run_check(args):
    sys.path.insert(0, os.path.join("/work", "tools", "compat"))
    sys.path.insert(0, os.path.join("/work", "tools", "fixtures"))
    import importlib
    import joblib
    import numpy
    import sklearn
    import baseline  # noqa: F401 - imported once here, not in every forked child
    import generate
    for m in generate.MODULES:  # the estimators' modules too: the children only unpickle and predict
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
    counts, failures = {}, []
    for job in spec["jobs"]:
        res = forked(check_one, job, cases[job["case"]], folder, manifest)
        counts[res["status"]] = counts.get(res["status"], 0) + 1
        if res["status"] != "same":
            bad = sorted(k for k, o in res.get("outputs", {}).items() if o.get("status") != "same")
            failures.append("%s (%s %s): %s %s" % (job["case"], job["format"], " ".join("%s=%s" % kv for kv in
                                                    sorted(job["options"].items()) if kv[0] != "format"),
                                                   res["status"], res.get("error") or ", ".join(bad)))
    print("live_writer %s (python %s, scikit-learn %s, numpy %s, joblib %s): %d rewritten files of %d cases: %s" % (
        spec["suite"], ".".join(map(str, sys.version_info[:3])), sklearn.__version__, numpy.__version__,
        joblib.__version__, len(spec["jobs"]), len(cases), " ".join("%s=%d" % kv for kv in sorted(counts.items()))),
        flush=True)
    for f in failures:
        print("  FAIL " + f)
    return 0 if not failures else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rewrite", help="path of the rewrite_model tool (host role)")
    ap.add_argument("--suites", default="", help="comma-separated environments (default: all four)")
    ap.add_argument("--check", help="jobs file, relative to the repository (environment role)")
    args = ap.parse_args()
    if args.check:
        sys.exit(run_check(args))
    if args.rewrite:
        sys.exit(run_host(args))
    ap.print_help()
    sys.exit(2)


if __name__ == "__main__":
    main()
