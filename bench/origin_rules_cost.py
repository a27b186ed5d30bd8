#!/usr/bin/env python3
"""Cold-time cost of the value-origin rules (BL310-BL313): paired runs of ``backlint check``.

For each app, alternately runs the default rule set with BL310-BL313 ignored (``--ignore``) and
with all four on (``--extend-select``; BL310 is off by default), ``--no-cache --isolated -j1``, and reports the median user+sys CPU time of each
(CPU time is steadier than wall time on a shared machine) and the growth in per cent.

Usage (repository root; the corpus of bench/precision.py unpacked):
  python bench/origin_rules_cost.py --apps lemur,django_oscar,label_studio --pairs 3
  python bench/origin_rules_cost.py --codes BL303,BL304,BL305,BL306,BL307,BL308,BL309  # other rules
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / ".corpus" / "src"
CODES = "BL310,BL311,BL312,BL313"


def cpu_seconds(cmd, cwd) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "PYTHONPATH": str(HERE.parent)}, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--apps", default="lemur,django_oscar")
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--codes", default=CODES, help="the rules measured (default: %(default)s)")
    args = ap.parse_args()
    base = [sys.executable, "-m", "backlint", "check", ".", "--isolated", "--no-cache", "-j", "1",
            "-q", "--exit-zero", "--format", "json", "-o", os.devnull]
    print(f"{'app':<28} {'without':>9} {'with':>9} {'growth':>8}")
    total_a = total_b = 0.0
    for wanted in args.apps.split(","):
        roots = [p for p in sorted(SRC.iterdir()) if wanted in p.name]
        if not roots:
            print(f"{wanted}: not in {SRC}")
            continue
        root = roots[0]
        without, with_ = [], []
        for _ in range(args.pairs):
            without.append(cpu_seconds(base + ["--ignore", args.codes], root))
            with_.append(cpu_seconds(base + ["--extend-select", args.codes], root))
        pairs = ", ".join(f"{x:.1f}/{y:.1f}" for x, y in zip(without, with_))
        print(f"  {root.name} pairs (without/with, s): {pairs}", flush=True)
        a, b = statistics.median(without), statistics.median(with_)
        print(f"{root.name:<28} {a:>8.1f}s {b:>8.1f}s {100 * (b - a) / a:>7.1f}%", flush=True)
        total_a, total_b = total_a + a, total_b + b
    if total_a:
        # the test is the corpus as a whole: the sum of the per-app medians
        print(f"{'all apps (sum of medians)':<28} {total_a:>8.1f}s {total_b:>8.1f}s "
              f"{100 * (total_b - total_a) / total_a:>7.1f}%", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
