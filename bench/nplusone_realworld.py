#!/usr/bin/env python3
"""BL201/BL202 (N+1) on two pinned real applications from PyPI.

Each wheel is fetched with ``pip download --no-deps`` (exact version, sha256-checked), unzipped
(never installed or imported) and checked as one project with ``--select BL201,BL202``, so
models, helpers and loops in different modules meet in the project index. The script prints the
findings per rule, split into application code and the projects' own tests/migrations, the run
time, and a seeded sample of findings for a manual true/false-positive review.

Usage (from the repository root, with backlint importable):
  python bench/nplusone_realworld.py                    # work in /tmp/backlint-nplusone
  python bench/nplusone_realworld.py --dir /tmp/realcode --sample 40 --seed 3 --json-out out.json
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from _wheels import fetch_and_unpack

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CODES = ("BL201", "BL202")

# (distribution, version, wheel file name, sha256 of the wheel, package directory, stack)
PINNED = [
    ("django-cms", "4.1.4", "django_cms-4.1.4-py2.py3-none-any.whl",
     "db8a76bf35d12c8bd1ddd70b310d476a949a3997b89945219b500e9091c0a021", "cms", "Django"),
    ("ckan", "2.11.1", "ckan-2.11.1-py3-none-any.whl",
     "17cd126d752b0e6dbef25c3d6a25c84f3b1a6310d97389a9b14e793e44966ed2", "ckan", "Flask + SQLAlchemy + Alembic"),
]


def kind_of(path: str) -> str:
    parts = path.split("/")
    if any(p in ("tests", "test_utils", "testing") or p.startswith("test_") for p in parts):
        return "tests"
    if any(p in ("migrations", "migration") for p in parts):
        return "migrations"
    return "app"


def run_one(root: Path, package: str) -> dict:
    from backlint import config as config_mod
    from backlint.runner import check

    settings = config_mod.Settings(root=str(root))
    settings.select = CODES
    settings.enabled = config_mod.resolve_enabled(settings)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        start = time.perf_counter()
        run = check([package], settings)
        elapsed = time.perf_counter() - start
    finally:
        os.chdir(cwd)
    findings = [
        {"code": f.code, "path": f.path, "line": f.start_line, "kind": kind_of(f.path), "message": f.message}
        for f in run.findings if f.code in CODES
    ]
    return {"files": run.files_checked, "seconds": round(elapsed, 1), "errors": [str(e) for e in run.errors],
            "findings": findings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dir", default="/tmp/backlint-nplusone")
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json-out")
    args = parser.parse_args()
    workdir = Path(args.dir)
    workdir.mkdir(parents=True, exist_ok=True)
    results = {}
    for dist, version, wheel, sha, package, stack in PINNED:
        root = fetch_and_unpack(workdir, dist, version, wheel, sha)
        res = run_one(root, package)
        res["stack"] = stack
        results[f"{dist}=={version}"] = res
        by = {}
        for f in res["findings"]:
            by.setdefault((f["code"], f["kind"]), 0)
            by[(f["code"], f["kind"])] += 1
        print(f"\n== {dist} {version} ({stack}): {res['files']} files in {res['seconds']} s, "
              f"{len(res['findings'])} findings, {len(res['errors'])} errors")
        for code in CODES:
            parts = ", ".join(f"{k} {by.get((code, k), 0)}" for k in ("app", "tests", "migrations"))
            print(f"   {code}: {sum(v for (c, _), v in by.items() if c == code)} ({parts})")
    everything = [(name, f) for name, res in results.items() for f in res["findings"]]
    rng = random.Random(args.seed)
    sample = rng.sample(everything, min(args.sample, len(everything)))
    print(f"\n== sample of {len(sample)} findings (seed {args.seed}) for manual review")
    for name, f in sorted(sample, key=lambda x: (x[0], x[1]["path"], x[1]["line"])):
        print(f"[{name}] {f['path']}:{f['line']} {f['code']} ({f['kind']})\n    {f['message']}")
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
