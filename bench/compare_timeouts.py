#!/usr/bin/env python3
"""Compare backlint's BL401 (missing-timeout) with peer linters on our fixtures.

Ground truth is the ``# expect: BL401`` trailing markers in
tests/fixtures/BL401/*.py: a marked line must be reported, every other line
must not.  Each tool's findings are reduced to a set of (file, line) pairs and
scored against that set.

Peers (installed into a separate virtualenv, pinned):
  * bandit, test B113 (request_without_timeout)
  * ruff, rule S113 (request-without-timeout)

Usage (stdlib only; run from anywhere):
  python bench/compare_timeouts.py                  # create/reuse .bench-venv, run all
  python bench/compare_timeouts.py --no-install     # reuse the venv as it is
  python bench/compare_timeouts.py --skip-backlint  # peers only
  python bench/compare_timeouts.py --json-out results.json

The virtualenv writes a ``.gitignore`` containing ``*`` into itself, so it is
ignored by git wherever it is created.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import venv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FIXTURES = REPO / "tests" / "fixtures" / "BL401"
DEFAULT_VENV = REPO / ".bench-venv"

BANDIT_VERSION = "1.9.4"
RUFF_VERSION = "0.17.6"  # latest on PyPI per `pip index versions ruff` when written

MARKER = re.compile(r"#\s*expect:\s*BL401\s*$")
TOOL_TIMEOUT = 600  # seconds per tool run

Location = Tuple[str, int]  # (path relative to the fixtures dir, 1-based line)


# --------------------------------------------------------------------------
# ground truth
# --------------------------------------------------------------------------
def read_expectations(fixtures: Path) -> Tuple[Set[Location], Dict[str, List[str]]]:
    """Return the set of expected (file, line) pairs and each file's lines."""
    expected: Set[Location] = set()
    sources: Dict[str, List[str]] = {}
    for path in sorted(fixtures.rglob("*.py")):
        rel = path.relative_to(fixtures).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines()
        sources[rel] = lines
        for lineno, text in enumerate(lines, start=1):
            if MARKER.search(text):
                expected.add((rel, lineno))
    return expected, sources


def normalise(path: str, fixtures: Path, cwd: Path) -> Optional[str]:
    """Map a path printed by a tool to a path relative to the fixtures dir."""
    p = Path(path)
    if not p.is_absolute():
        p = cwd / p
    try:
        return p.resolve().relative_to(fixtures.resolve()).as_posix()
    except ValueError:
        return None  # outside the fixtures (should not happen)


# --------------------------------------------------------------------------
# virtualenv for the peers
# --------------------------------------------------------------------------
def venv_bin(venv_dir: Path, name: str) -> Path:
    sub = "Scripts" if os.name == "nt" else "bin"
    suffix = ".exe" if os.name == "nt" else ""
    return venv_dir / sub / f"{name}{suffix}"


def ensure_venv(venv_dir: Path, pins: List[str], install: bool) -> None:
    stamp = venv_dir / ".bench-pins"
    wanted = "\n".join(pins) + "\n"
    if not venv_bin(venv_dir, "python").exists():
        if not install:
            sys.exit(f"error: no virtualenv at {venv_dir} (drop --no-install)")
        print(f"creating virtualenv {venv_dir}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=False).create(str(venv_dir))
    ignore = venv_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# created by bench/compare_timeouts.py\n*\n")
    if not install:
        return
    if stamp.exists() and stamp.read_text() == wanted:
        return
    print(f"installing {' '.join(pins)} into {venv_dir}", file=sys.stderr)
    subprocess.run(
        [str(venv_bin(venv_dir, "python")), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", *pins],
        check=True,
    )
    stamp.write_text(wanted)


# --------------------------------------------------------------------------
# running tools
# --------------------------------------------------------------------------
class ToolUnavailable(Exception):
    pass


@dataclass
class ToolResult:
    name: str
    version: str = ""
    found: Set[Location] = field(default_factory=set)
    error: Optional[str] = None


def run(cmd: List[str], cwd: Path, ok_codes: Iterable[int] = (0, 1)) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(cmd, cwd=str(cwd), capture_output=True, text=True,
                              timeout=TOOL_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolUnavailable(f"{cmd[0]}: {exc}") from exc
    if proc.returncode not in ok_codes:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise ToolUnavailable(f"exit {proc.returncode}: " + " | ".join(tail))
    return proc


def tool_version(cmd: List[str], cwd: Path) -> str:
    try:
        out = run(cmd, cwd, ok_codes=(0,)).stdout.strip().splitlines()
        return out[0] if out else ""
    except ToolUnavailable:
        return "?"


def run_bandit(venv_dir: Path, fixtures: Path, cwd: Path) -> ToolResult:
    exe = str(venv_bin(venv_dir, "bandit"))
    res = ToolResult("bandit B113", tool_version([exe, "--version"], cwd))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bandit.json"
        run([exe, "-q", "-r", str(fixtures), "-t", "B113", "-f", "json", "-o", str(out)], cwd)
        data = json.loads(out.read_text())
    for item in data.get("results", []):
        if item.get("test_id") != "B113":
            continue
        rel = normalise(item["filename"], fixtures, cwd)
        if rel:
            res.found.add((rel, int(item["line_number"])))
    errors = data.get("errors") or []
    if errors:
        res.error = f"{len(errors)} file(s) not scanned: {errors[0]}"
    return res


def run_ruff(venv_dir: Path, fixtures: Path, cwd: Path) -> ToolResult:
    exe = str(venv_bin(venv_dir, "ruff"))
    res = ToolResult("ruff S113", tool_version([exe, "--version"], cwd))
    proc = run([exe, "check", "--select", "S113", "--output-format", "json",
                "--no-cache", "--isolated", str(fixtures)], cwd)
    for item in json.loads(proc.stdout or "[]"):
        if item.get("code") != "S113":
            continue
        rel = normalise(item["filename"], fixtures, cwd)
        if rel:
            res.found.add((rel, int(item["location"]["row"])))
    return res


# backlint's JSON shape lives here so it is easy to adjust.
BACKLINT_FINDINGS_KEY = "findings"
BACKLINT_PATH_KEY = "path"
BACKLINT_CODE_KEY = "code"
BACKLINT_LINE_KEY = "start_line"


def parse_backlint(payload: object) -> Iterable[Tuple[str, str, int]]:
    """Yield (path, code, line) from backlint's JSON output."""
    items = payload.get(BACKLINT_FINDINGS_KEY, []) if isinstance(payload, dict) else payload
    for item in items or []:
        yield str(item[BACKLINT_PATH_KEY]), str(item[BACKLINT_CODE_KEY]), int(item[BACKLINT_LINE_KEY])


def run_backlint(python: str, fixtures: Path, cwd: Path) -> ToolResult:
    res = ToolResult("backlint BL401")
    probe = subprocess.run([python, "-c", "import backlint"], cwd=str(cwd),
                           capture_output=True, text=True)
    if probe.returncode != 0:
        raise ToolUnavailable("backlint is not importable with " + python)
    res.version = tool_version([python, "-m", "backlint", "--version"], cwd)
    try:
        rel_fixtures = fixtures.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        rel_fixtures = str(fixtures)
    proc = run([python, "-m", "backlint", "check", "--select", "BL401",
                "--format", "json", rel_fixtures], cwd)
    if not proc.stdout.strip():
        tail = proc.stderr.strip().splitlines()[-3:]
        raise ToolUnavailable(f"no JSON output (exit {proc.returncode}): " + " | ".join(tail))
    try:
        payload = json.loads(proc.stdout)
        findings = list(parse_backlint(payload))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ToolUnavailable(f"cannot parse backlint JSON output: {exc}") from exc
    for path, code, line in findings:
        if code != "BL401":
            continue
        rel = normalise(path, fixtures, cwd)
        if rel:
            res.found.add((rel, line))
    return res


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------
def score(expected: Set[Location], found: Set[Location]) -> Dict[str, object]:
    tp = len(expected & found)
    fp = len(found - expected)
    fn = len(expected - found)
    return {
        "expected": len(expected),
        "tp": tp,
        "fn": fn,
        "fp": fp,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / len(expected) if expected else None,
    }


def fmt_ratio(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def show(loc: Location, sources: Dict[str, List[str]]) -> str:
    rel, line = loc
    lines = sources.get(rel, [])
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    text = MARKER.sub("", text).rstrip()
    return f"  {rel}:{line}: {text}"


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--venv", type=Path, default=DEFAULT_VENV,
                    help="virtualenv for the peer tools (default: %(default)s)")
    ap.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    ap.add_argument("--bandit-version", default=BANDIT_VERSION)
    ap.add_argument("--ruff-version", default=RUFF_VERSION)
    ap.add_argument("--no-install", action="store_true",
                    help="do not create the venv or pip-install into it")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter used for `-m backlint` (default: this one)")
    ap.add_argument("--skip-backlint", action="store_true")
    ap.add_argument("--no-lists", action="store_true",
                    help="print only the table, not the per-tool line lists")
    ap.add_argument("--json-out", type=Path, help="also write the scores as JSON")
    args = ap.parse_args(argv)

    fixtures = args.fixtures.resolve()
    venv_dir = args.venv if args.venv.is_absolute() else (Path.cwd() / args.venv)
    expected, sources = read_expectations(fixtures)
    if not expected:
        sys.exit(f"error: no '# expect: BL401' markers under {fixtures}")

    ensure_venv(venv_dir, [f"bandit=={args.bandit_version}", f"ruff=={args.ruff_version}"],
                install=not args.no_install)

    results: List[ToolResult] = []
    unavailable: Dict[str, str] = {}
    runners: List[Tuple[str, Callable[[], ToolResult]]] = [
        ("bandit", lambda: run_bandit(venv_dir, fixtures, REPO)),
        ("ruff", lambda: run_ruff(venv_dir, fixtures, REPO)),
    ]
    if not args.skip_backlint:
        runners.append(("backlint", lambda: run_backlint(args.python, fixtures, REPO)))
    for name, runner in runners:
        try:
            results.append(runner())
        except ToolUnavailable as exc:
            unavailable[name] = str(exc)

    files = len(sources)
    print(f"fixtures: {fixtures.relative_to(REPO) if fixtures.is_relative_to(REPO) else fixtures}"
          f" ({files} files, {len(expected)} expected findings)")
    print()
    header = f"{'tool':<16} {'version':<14} {'expected':>8} {'TP':>4} {'FN':>4} {'FP':>4} {'precision':>9} {'recall':>7}"
    print(header)
    print("-" * len(header))
    scores = {}
    for r in results:
        s = score(expected, r.found)
        scores[r.name] = {**s, "version": r.version}
        m = re.search(r"\d+(?:\.\d+)+\S*", r.version)
        version = m.group(0) if m else r.version[:14]
        print(f"{r.name:<16} {version:<14} {s['expected']:>8} {s['tp']:>4} {s['fn']:>4} {s['fp']:>4}"
              f" {fmt_ratio(s['precision']):>9} {fmt_ratio(s['recall']):>7}")
    for name, why in unavailable.items():
        print(f"{name}: not available ({why})")
    for r in results:
        if r.error:
            print(f"warning: {r.name}: {r.error}")

    if not args.no_lists:
        for r in results:
            missed = sorted(expected - r.found)
            extra = sorted(r.found - expected)
            print(f"\n{r.name}: misses {len(missed)} expected line(s)")
            for loc in missed:
                print(show(loc, sources))
            if extra:
                print(f"{r.name}: {len(extra)} false positive(s)")
                for loc in extra:
                    print(show(loc, sources))

        peers = [r for r in results if not r.name.startswith("backlint")]
        ours = next((r for r in results if r.name.startswith("backlint")), None)
        if peers:
            missed_by_all = expected.copy()
            for r in peers:
                missed_by_all -= r.found
            if ours is not None:
                gained = sorted(missed_by_all & ours.found)
                print(f"\nfound by backlint but by no peer: {len(gained)}")
                for loc in gained:
                    print(show(loc, sources))
            else:
                print(f"\nexpected lines missed by every peer: {len(missed_by_all)}")

    if args.json_out:
        args.json_out.write_text(json.dumps(
            {"expected": len(expected), "tools": scores, "unavailable": unavailable},
            indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
