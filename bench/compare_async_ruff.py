#!/usr/bin/env python3
"""ruff's ASYNC2xx rules next to BL402 (blocking-call-in-async) on BL402's own fixtures.

The fixtures' `# expect: BL402` markers are the reference: a finding on a marked line is a hit,
one on an unmarked line is a false alarm, a marked line no tool reports is a miss. ruff is run
with `--select ASYNC2 --preview` (ASYNC210 blocking HTTP, ASYNC220-222 subprocess, ASYNC230
`open`, ASYNC251 `time.sleep`, ...); both tools read the same files. The fixtures are written
for BL402, so this shows what each tool covers on these shapes, not which is better in general:
ruff also reports `open()` in coroutines (ASYNC230), which BL402 deliberately leaves out.

Usage (repository root, ruff installed in the same environment):
  python bench/compare_async_ruff.py            # table per fixture file + totals
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "BL402"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")


def expected() -> set:
    found = set()
    for path in FIXTURES.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            m = EXPECT.search(line)
            if m and "BL402" in m.group(1):
                found.add((path.relative_to(FIXTURES).as_posix(), number))
    return found


def ruff_findings() -> dict:
    ruff = shutil.which("ruff", path=os.path.dirname(sys.executable)) or shutil.which("ruff")
    if ruff is None:
        raise SystemExit("ruff is not installed in this environment (pip install ruff)")
    proc = subprocess.run([ruff, "check", "--isolated", "--preview", "--select", "ASYNC2", "--output-format",
                           "json", "--exit-zero", "."], cwd=FIXTURES, capture_output=True, text=True)
    out = {}
    for item in json.loads(proc.stdout or "[]"):
        rel = Path(item["filename"]).resolve().relative_to(FIXTURES.resolve()).as_posix()
        out.setdefault((rel, item["location"]["row"]), []).append(item["code"])
    version = subprocess.run([ruff, "--version"], capture_output=True, text=True).stdout.strip()
    return {"version": version, "found": out}


def backlint_findings() -> dict:
    proc = subprocess.run([sys.executable, "-m", "backlint", "check", ".", "--isolated", "--no-cache", "--select",
                           "BL402", "--format", "json", "--exit-zero", "-q"], cwd=FIXTURES, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    data = json.loads(proc.stdout)
    out = {}
    for f in data["findings"]:
        out.setdefault((f["path"], f["start_line"]), []).append(f["code"])
    return out


def main() -> None:
    want = expected()
    ruff = ruff_findings()
    ours = backlint_findings()
    files = sorted({p for p, _ in want} | {p for p, _ in ruff["found"]} | {p for p, _ in ours})
    print(f"{ruff['version']} (--select ASYNC2 --preview) vs backlint BL402 on tests/fixtures/BL402\n")
    print("| fixture | expected | ruff hits | ruff false alarms | BL402 hits | BL402 false alarms |")
    print("|---|---:|---:|---:|---:|---:|")
    totals = [0] * 5
    for name in files:
        exp = {k for k in want if k[0] == name}
        r = {k for k in ruff["found"] if k[0] == name}
        b = {k for k in ours if k[0] == name}
        row = [len(exp), len(r & exp), len(r - exp), len(b & exp), len(b - exp)]
        totals = [t + x for t, x in zip(totals, row)]
        print(f"| {name} | " + " | ".join(map(str, row)) + " |")
    print("| **total** | " + " | ".join(map(str, totals)) + " |")
    only_ruff = sorted(set(ruff["found"]) - set(ours))
    if only_ruff:
        print("\nreported by ruff only:")
        for key in only_ruff:
            print(f"  {key[0]}:{key[1]} {','.join(ruff['found'][key])}")
    missed_by_ruff = sorted(want - set(ruff["found"]))
    print(f"\nexpected lines ruff does not report: {len(missed_by_ruff)} of {len(want)}")
    for key in missed_by_ruff:
        print(f"  {key[0]}:{key[1]}")


if __name__ == "__main__":
    main()
