#!/usr/bin/env python3
"""Warm `backlint check --diff` beside a warm `backlint check` on a real project (issue: --fix and
--diff use the results cache). Copies a corpus app to a temporary directory, warms the cache with one
run, then times the two commands alternately (wall clock, whole process).

Usage: python bench/diff_warm.py [--app netbox-4.7.3] [--runs 5]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(cmd, cwd) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app", default="netbox-4.7.3")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    source = HERE / ".corpus" / "src" / args.app
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / args.app
        shutil.copytree(source, root)
        base = [sys.executable, "-m", "backlint", "check", "--isolated", "-q", "."]
        timed(base, root)  # cold: fills the cache
        plain, diff = [], []
        for _ in range(args.runs):
            plain.append(timed(base, root))
            diff.append(timed(base + ["--diff"], root))
        files = sum(1 for _ in root.rglob("*.py"))
        p, d = statistics.median(plain), statistics.median(diff)
        print(f"{args.app}: {files} files; warm check median {p:.2f} s, warm --diff median {d:.2f} s "
              f"({d / p:.2f}x; runs={args.runs})")


if __name__ == "__main__":
    main()
