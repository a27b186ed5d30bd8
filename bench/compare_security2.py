#!/usr/bin/env python3
"""Compare backlint's BL303-BL309 with bandit and ruff on our fixtures, category by category.

Ground truth is the ``# expect: BLxxx`` markers in tests/fixtures/BL30[3-9]/ (sub-folders
included): a marked line must be reported, every other line must not. Each tool's findings
are reduced to (file, line) pairs per backlint rule and scored against that set. A peer is
only run for the categories it has a rule for:

  BL305 weak-password-hash     bandit B303, B324     ruff S303, S324   (any md5/sha1)
  BL308 debug-mode-enabled     bandit B201           ruff S201         (Flask debug=True)
  BL309 tls-verify-disabled    bandit B501, B323     ruff S501, S323   (verify=False, unverified ctx)
  BL303, BL304, BL306, BL307   no bandit or ruff rule

The fixtures are written to backlint's own specification (near-misses included), so this is a
coverage check of what each tool is built to find, not a neutral benchmark: peers are
expected to "miss" cases outside their design and to "over-report" the near-misses (md5 of a
cache key, `verify=False` in a test file) that backlint's spec says must stay silent.

Usage (stdlib only; run from anywhere):
  python bench/compare_security2.py                  # create/reuse .bench-venv, run all
  python bench/compare_security2.py --no-install     # reuse the venv as it is
  python bench/compare_security2.py --rules BL305,BL309 --json-out results.json
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from compare_timeouts import (  # noqa: E402  (shared venv, process and scoring helpers)
    BANDIT_VERSION, RUFF_VERSION, ToolUnavailable, ensure_venv, fmt_ratio, normalise, run,
    score, tool_version, venv_bin,
)

REPO = HERE.parent
FIXTURES = REPO / "tests" / "fixtures"
DEFAULT_VENV = REPO / ".bench-venv"
RULES = ("BL303", "BL304", "BL305", "BL306", "BL307", "BL308", "BL309")
PEERS: Dict[str, Dict[str, Tuple[str, ...]]] = {
    "BL305": {"bandit": ("B303", "B324"), "ruff": ("S303", "S324")},
    "BL308": {"bandit": ("B201",), "ruff": ("S201",)},
    "BL309": {"bandit": ("B501", "B323"), "ruff": ("S501", "S323")},
}
Location = Tuple[str, int]


def expectations(folder: Path, code: str) -> Tuple[Set[Location], Dict[str, List[str]]]:
    marker = re.compile(r"#\s*expect:\s*(?:BL\d{3}\s*,\s*)*" + code + r"\b")
    expected: Set[Location] = set()
    sources: Dict[str, List[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(folder).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines()
        sources[rel] = lines
        expected |= {(rel, n) for n, text in enumerate(lines, 1) if marker.search(text)}
    return expected, sources


def run_bandit(venv_dir: Path, folder: Path, tests: Tuple[str, ...]) -> Set[Location]:
    exe = str(venv_bin(venv_dir, "bandit"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bandit.json"
        run([exe, "-q", "-r", str(folder), "-t", ",".join(tests), "-f", "json", "-o", str(out)], REPO)
        data = json.loads(out.read_text())
    found = set()
    for item in data.get("results", []):
        if item.get("test_id") in tests:
            rel = normalise(item["filename"], folder, REPO)
            if rel:
                found.add((rel, int(item["line_number"])))
    return found


def run_ruff(venv_dir: Path, folder: Path, codes: Tuple[str, ...]) -> Set[Location]:
    exe = str(venv_bin(venv_dir, "ruff"))
    proc = run([exe, "check", "--select", ",".join(codes), "--output-format", "json",
                "--no-cache", "--isolated", str(folder)], REPO)
    found = set()
    for item in json.loads(proc.stdout or "[]"):
        if item.get("code") in codes:
            rel = normalise(item["filename"], folder, REPO)
            if rel:
                found.add((rel, int(item["location"]["row"])))
    return found


def run_backlint(python: str, folder: Path, code: str) -> Set[Location]:
    # File roles are relative to the project root, and inside this repository every fixture is
    # below tests/ (a test file). Check a copy as its own project, as the fixture tests do.
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(folder, copy)
        proc = subprocess.run([python, "-m", "backlint", "check", "--isolated", "--select", code,
                               "--format", "json", "."],
                              cwd=str(copy), capture_output=True, text=True, timeout=600)
        if not proc.stdout.strip():
            raise ToolUnavailable(f"no JSON output (exit {proc.returncode}): {proc.stderr.strip()[-300:]}")
        payload = json.loads(proc.stdout)
        items = payload.get("findings", []) if isinstance(payload, dict) else payload
        found = set()
        for item in items:
            if item["code"] == code:
                rel = normalise(item["path"], copy, copy)
                if rel:
                    found.add((rel, int(item["start_line"])))
    return found


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    ap.add_argument("--rules", default=",".join(RULES))
    ap.add_argument("--bandit-version", default=BANDIT_VERSION)
    ap.add_argument("--ruff-version", default=RUFF_VERSION)
    ap.add_argument("--no-install", action="store_true")
    ap.add_argument("--python", default=sys.executable, help="interpreter for `-m backlint`")
    ap.add_argument("--no-lists", action="store_true", help="only the table")
    ap.add_argument("--json-out", type=Path)
    args = ap.parse_args(argv)

    venv_dir = args.venv if args.venv.is_absolute() else Path.cwd() / args.venv
    codes = [c.strip().upper() for c in args.rules.split(",") if c.strip()]
    if any(c in PEERS for c in codes):
        ensure_venv(venv_dir, [f"bandit=={args.bandit_version}", f"ruff=={args.ruff_version}"],
                    install=not args.no_install)
        versions = {
            "bandit": tool_version([str(venv_bin(venv_dir, "bandit")), "--version"], REPO),
            "ruff": tool_version([str(venv_bin(venv_dir, "ruff")), "--version"], REPO),
        }
        print("peers: " + "; ".join(f"{k} {v}" for k, v in versions.items()))
    header = f"{'rule':<6} {'tool':<22} {'expected':>8} {'TP':>4} {'FN':>4} {'FP':>4} {'precision':>9} {'recall':>7}"
    print(header)
    print("-" * len(header))
    report: Dict[str, Dict[str, object]] = {}
    lists: List[str] = []
    for code in codes:
        folder = FIXTURES / code
        expected, sources = expectations(folder, code)
        tools: List[Tuple[str, Set[Location]]] = []
        try:
            tools.append((f"backlint {code}", run_backlint(args.python, folder, code)))
        except ToolUnavailable as exc:
            print(f"{code:<6} backlint: not available ({exc})")
        for peer, peer_codes in PEERS.get(code, {}).items():
            runner = run_bandit if peer == "bandit" else run_ruff
            try:
                tools.append((f"{peer} {','.join(peer_codes)}", runner(venv_dir, folder, peer_codes)))
            except ToolUnavailable as exc:
                print(f"{code:<6} {peer}: not available ({exc})")
        if code not in PEERS:
            tools.append(("(no bandit/ruff rule)", set()))
        report[code] = {}
        for name, found in tools:
            s = score(expected, found)
            report[code][name] = s
            print(f"{code:<6} {name:<22} {s['expected']:>8} {s['tp']:>4} {s['fn']:>4} {s['fp']:>4}"
                  f" {fmt_ratio(s['precision']):>9} {fmt_ratio(s['recall']):>7}")
            if name.startswith("(no"):
                continue
            for label, locs in (("misses", expected - found), ("false positives", found - expected)):
                for rel, line in sorted(locs):
                    text = sources.get(rel, [""] * line)[line - 1].split("# expect")[0].strip()
                    lists.append(f"{code} {name} {label}: {rel}:{line}: {text}")
    if not args.no_lists and lists:
        print()
        print("\n".join(lists))
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
