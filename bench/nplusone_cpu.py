#!/usr/bin/env python3
"""CPU seconds spent in the N+1 analysis (BL201 + BL202) on one corpus application.

Wraps ``Analysis.run`` (the per-file pass) and ``project_reports`` (the project pass) with
``time.process_time()`` and runs ``backlint check --select BL201,BL202 -j1`` in-process, so the
figure is the rules' own CPU time, not wall time on a shared machine. Compare two trees by
pointing PYTHONPATH at each (e.g. a ``git archive`` of the older commit):

  PYTHONPATH=/tmp/old python bench/nplusone_cpu.py lemur-1.9.3
  PYTHONPATH=.        python bench/nplusone_cpu.py lemur-1.9.3
"""
import os
import sys
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / ".corpus" / "src"


def main() -> None:
    app = sys.argv[1]
    os.chdir(CORPUS / app)
    from backlint.rules.orm import _nplusone as n
    from backlint.cli import main as cli

    spent = {"file": 0.0, "project": 0.0}
    orig_run, orig_project = n.Analysis.run, n.project_reports

    def run(self):
        start = time.process_time()
        try:
            return orig_run(self)
        finally:
            spent["file"] += time.process_time() - start

    def project(index, code):
        start = time.process_time()
        out = list(orig_project(index, code))
        spent["project"] += time.process_time() - start
        return iter(out)

    n.Analysis.run = run
    n.project_reports = project
    try:
        cli(["check", ".", "--isolated", "--no-cache", "--select", "BL201,BL202", "--exit-zero", "-q",
             "-j", "1", "-o", os.devnull])
    except SystemExit:
        pass
    print(f"{n.__file__}\t{app}\tfile {spent['file']:.2f} s\tproject {spent['project']:.2f} s")


if __name__ == "__main__":
    main()
