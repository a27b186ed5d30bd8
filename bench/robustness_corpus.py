"""Run backlint, every rule on, over the full source of large packages and report what broke.

    python bench/robustness_corpus.py                  # stdlib of this Python, Django, SQLAlchemy
    python bench/robustness_corpus.py PATH [PATH...]

For each tree: files checked, files skipped (size or time limit), parse errors (BL000: files
that are not valid Python for libcst, e.g. the stdlib's deliberately broken test inputs), and
internal errors (crashes of backlint or a rule: the target is zero). Nothing is imported from
the trees; they are only read. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import subprocess
import sys
import sysconfig
import time


def default_trees():
    trees = [("stdlib", sysconfig.get_paths()["stdlib"])]
    for name in ("django", "sqlalchemy"):
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            trees.append((name, list(spec.submodule_search_locations)[0]))
    return trees


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--jobs", default="2")
    args = parser.parse_args()
    trees = [(p, p) for p in args.paths] or default_trees()
    failures = 0
    print(f"{'tree':<12} {'files':>7} {'skipped':>8} {'BL000':>7} {'internal':>9} {'findings':>9} {'wall s':>7}")
    for name, path in trees:
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "backlint", "check", "--isolated", "--no-cache", "--select", "ALL",
             "--no-respect-gitignore", "--exit-zero", "-j", args.jobs,
             "--format", "json", path],
            capture_output=True, text=True,
        )
        wall = time.monotonic() - start
        if "Traceback" in proc.stderr or not proc.stdout.strip():
            print(f"{name}: backlint failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
            failures += 1
            continue
        data = json.loads(proc.stdout)
        codes = collections.Counter(f["code"] for f in data["findings"])
        internal = [e for e in data["errors"] if e["kind"] == "internal-error"]
        print(f"{name:<12} {data['summary']['files_checked']:>7} {len(data['skipped']):>8} {codes['BL000']:>7} "
              f"{len(internal):>9} {len(data['findings']):>9} {wall:>7.1f}")
        for error in internal[:20]:
            print(f"    internal error: {error['path']}: {error['message']}")
        for skipped in data["skipped"][:10]:
            print(f"    skipped: {skipped['path']}: {skipped['reason']}")
        failures += len(internal)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
