#!/usr/bin/env python3
"""Accuracy of backlint's security rules next to bandit and ruff, on labeled fixtures.

Two categories, each scored on its own fixture corpus:

  sql      tests/fixtures/BL301   backlint BL301 | bandit B608      | ruff S608
  secrets  tests/fixtures/BL302   backlint BL302 | bandit B105-B107 | ruff S105-S107

Labels are trailing comments in the fixtures: ``# expect: BL301`` marks a line that must be
reported (a positive), ``# ok`` a line a naive tool may flag but that must stay silent (a labeled
negative). Every other line must stay silent too. A tool's finding counts on the line it names;
a finding on an unlabeled line inside a multi-line statement is moved to that statement's
unmatched labeled line, so tools that report the string instead of the call are not penalised.

  TP  labeled positives found         FN  labeled positives missed
  FP  findings on any other line      (of which on ``# ok`` lines: "FP ok")

Peers are installed into a separate virtualenv (shared with bench/compare_timeouts.py, same
pins). Usage (stdlib only):

  python bench/accuracy.py                 # create/reuse .bench-venv, run everything
  python bench/accuracy.py --no-install    # reuse the venv as it is
  python bench/accuracy.py --markdown      # print the tables as Markdown
  python bench/accuracy.py --json-out results.json
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare_timeouts import (  # noqa: E402  (shared venv handling and tool runners)
    BANDIT_VERSION,
    DEFAULT_VENV,
    REPO,
    RUFF_VERSION,
    ToolUnavailable,
    ensure_venv,
    fmt_ratio,
    normalise,
    parse_backlint,
    run,
    tool_version,
    venv_bin,
)

Location = Tuple[str, int]
OK_MARKER = re.compile(r"#\s*ok\b")


@dataclass(frozen=True)
class Category:
    key: str
    code: str
    bandit_tests: Tuple[str, ...]
    ruff_codes: Tuple[str, ...]

    @property
    def fixtures(self) -> Path:
        return REPO / "tests" / "fixtures" / self.code


CATEGORIES = (
    Category("sql", "BL301", ("B608",), ("S608",)),
    Category("secrets", "BL302", ("B105", "B106", "B107"), ("S105", "S106", "S107")),
)


# --------------------------------------------------------------------------
# labels
# --------------------------------------------------------------------------
@dataclass
class Corpus:
    positives: Set[Location] = field(default_factory=set)
    negatives: Set[Location] = field(default_factory=set)
    sources: Dict[str, List[str]] = field(default_factory=dict)
    # (file, line) -> (file, first line of the innermost statement containing it)
    statement: Dict[Location, Location] = field(default_factory=dict)
    files: int = 0


def _statement_map(rel: str, text: str, out: Dict[Location, Location]) -> None:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            end = getattr(node, "end_lineno", node.lineno) or node.lineno
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                end = body[0].lineno - 1  # compound statement: its header only
            spans.append((node.lineno, max(end, node.lineno)))
    for start, end in sorted(spans, key=lambda s: s[1] - s[0], reverse=True):
        for line in range(start, end + 1):
            out[(rel, line)] = (rel, start)  # narrower spans overwrite wider ones


def read_corpus(fixtures: Path, code: str) -> Corpus:
    expect = re.compile(r"#\s*expect:\s*[A-Z0-9, ]*\b" + code + r"\b")
    corpus = Corpus()
    for path in sorted(fixtures.rglob("*.py")):
        rel = path.relative_to(fixtures).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        corpus.sources[rel] = lines
        corpus.files += 1
        _statement_map(rel, text, corpus.statement)
        for lineno, line in enumerate(lines, start=1):
            if expect.search(line):
                corpus.positives.add((rel, lineno))
            elif OK_MARKER.search(line):
                corpus.negatives.add((rel, lineno))
    return corpus


def align(found: Set[Location], corpus: Corpus) -> Set[Location]:
    """Move a finding on an unlabeled line of a multi-line statement to its labeled line."""
    labeled = corpus.positives | corpus.negatives
    out: Set[Location] = set()
    pending = sorted(found)
    for loc in pending:
        if loc in labeled:
            out.add(loc)
            continue
        stmt = corpus.statement.get(loc)
        candidates = sorted(
            l for l in labeled
            if l[0] == loc[0] and corpus.statement.get(l) == stmt and l not in out and l not in found
        ) if stmt else []
        out.add(candidates[0] if candidates else loc)
    return out


# --------------------------------------------------------------------------
# tools
# --------------------------------------------------------------------------
def run_bandit(venv_dir: Path, category: Category) -> Tuple[str, Set[Location], Optional[str]]:
    exe = str(venv_bin(venv_dir, "bandit"))
    version = tool_version([exe, "--version"], REPO)
    found: Set[Location] = set()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bandit.json"
        run([exe, "-q", "-r", str(category.fixtures), "-t", ",".join(category.bandit_tests),
             "-f", "json", "-o", str(out)], REPO)
        data = json.loads(out.read_text())
    for item in data.get("results", []):
        if item.get("test_id") not in category.bandit_tests:
            continue
        rel = normalise(item["filename"], category.fixtures, REPO)
        if rel:
            found.add((rel, int(item["line_number"])))
    errors = data.get("errors") or []
    warning = f"{len(errors)} file(s) not scanned: {errors[0]}" if errors else None
    return version, found, warning


def run_ruff(venv_dir: Path, category: Category) -> Tuple[str, Set[Location], Optional[str]]:
    exe = str(venv_bin(venv_dir, "ruff"))
    version = tool_version([exe, "--version"], REPO)
    proc = run([exe, "check", "--select", "S", "--output-format", "json", "--no-cache",
                "--isolated", str(category.fixtures)], REPO)
    found: Set[Location] = set()
    for item in json.loads(proc.stdout or "[]"):
        if item.get("code") not in category.ruff_codes:
            continue
        rel = normalise(item["filename"], category.fixtures, REPO)
        if rel:
            found.add((rel, int(item["location"]["row"])))
    return version, found, None


def run_backlint(python: str, category: Category) -> Tuple[str, Set[Location], Optional[str]]:
    probe = subprocess.run([python, "-c", "import backlint"], cwd=str(REPO), capture_output=True, text=True)
    if probe.returncode != 0:
        raise ToolUnavailable("backlint is not importable with " + python)
    version = tool_version([python, "-m", "backlint", "--version"], REPO)
    rel_fixtures = category.fixtures.relative_to(REPO).as_posix()
    proc = run([python, "-m", "backlint", "check", "--isolated", "--no-cache", "--select", category.code,
                "--format", "json", rel_fixtures], REPO)
    try:
        findings = list(parse_backlint(json.loads(proc.stdout)))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ToolUnavailable(f"cannot parse backlint JSON output: {exc}") from exc
    found: Set[Location] = set()
    for path, code, line in findings:
        if code == category.code:
            rel = normalise(path, category.fixtures, REPO)
            if rel:
                found.add((rel, line))
    return version, found, None


# --------------------------------------------------------------------------
# scoring and report
# --------------------------------------------------------------------------
def score(corpus: Corpus, found: Set[Location]) -> Dict[str, object]:
    tp = len(corpus.positives & found)
    fn = len(corpus.positives - found)
    fp = len(found - corpus.positives)
    return {
        "positives": len(corpus.positives),
        "negatives": len(corpus.negatives),
        "tp": tp,
        "fn": fn,
        "fp": fp,
        "fp_ok": len(found & corpus.negatives),
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / len(corpus.positives) if corpus.positives else None,
    }


def short_version(text: str) -> str:
    m = re.search(r"\d+(?:\.\d+)+\S*", text)
    return m.group(0) if m else text[:14]


def show(loc: Location, corpus: Corpus) -> str:
    rel, line = loc
    lines = corpus.sources.get(rel, [])
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    text = re.sub(r"\s*#\s*(expect:.*|ok\b.*)$", "", text)
    return f"  {rel}:{line}: {text[:110]}"


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--venv", type=Path, default=DEFAULT_VENV,
                    help="virtualenv for the peer tools (default: %(default)s)")
    ap.add_argument("--bandit-version", default=BANDIT_VERSION)
    ap.add_argument("--ruff-version", default=RUFF_VERSION)
    ap.add_argument("--no-install", action="store_true", help="do not create the venv or pip-install into it")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter used for `-m backlint` (default: this one)")
    ap.add_argument("--category", choices=[c.key for c in CATEGORIES], action="append",
                    help="only this category (repeatable)")
    ap.add_argument("--skip-peers", action="store_true", help="backlint only (no venv needed)")
    ap.add_argument("--lists", action="store_true", help="print missed and false-positive lines")
    ap.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    ap.add_argument("--json-out", type=Path, help="also write the scores as JSON")
    args = ap.parse_args(argv)

    venv_dir = args.venv if args.venv.is_absolute() else (Path.cwd() / args.venv)
    if not args.skip_peers:
        ensure_venv(venv_dir, [f"bandit=={args.bandit_version}", f"ruff=={args.ruff_version}"],
                    install=not args.no_install)

    report: Dict[str, object] = {}
    rows: List[Tuple[str, str, str, Dict[str, object]]] = []
    for category in CATEGORIES:
        if args.category and category.key not in args.category:
            continue
        corpus = read_corpus(category.fixtures, category.code)
        runners = [("backlint " + category.code, lambda c=category: run_backlint(args.python, c))]
        if not args.skip_peers:
            runners = [
                ("bandit " + "/".join(category.bandit_tests), lambda c=category: run_bandit(venv_dir, c)),
                ("ruff " + "/".join(category.ruff_codes), lambda c=category: run_ruff(venv_dir, c)),
            ] + runners
        cat_report: Dict[str, object] = {
            "fixtures": category.fixtures.relative_to(REPO).as_posix(),
            "files": corpus.files,
            "positives": len(corpus.positives),
            "negatives": len(corpus.negatives),
            "tools": {},
        }
        for name, runner in runners:
            try:
                version, found, warning = runner()
            except ToolUnavailable as exc:
                print(f"{category.key}: {name}: not available ({exc})", file=sys.stderr)
                continue
            found = align(found, corpus)
            s = score(corpus, found)
            cat_report["tools"][name] = {**s, "version": version}  # type: ignore[index]
            rows.append((category.key, name, short_version(version), s))
            if warning:
                print(f"warning: {name}: {warning}", file=sys.stderr)
            if args.lists:
                missed = sorted(corpus.positives - found)
                extra = sorted(found - corpus.positives)
                print(f"\n[{category.key}] {name}: {len(missed)} missed, {len(extra)} false positive(s)")
                for loc in missed:
                    print("  missed" + show(loc, corpus)[1:])
                for loc in extra:
                    print("  extra " + show(loc, corpus)[1:])
        report[category.key] = cat_report

    print()
    for key, value in report.items():
        v = value  # type: ignore[assignment]
        print(f"{key}: {v['fixtures']} ({v['files']} files, {v['positives']} must-fire lines, "
              f"{v['negatives']} labeled must-not-fire lines)")
    print()
    if args.markdown:
        print("| category | tool | TP | FN | FP (on `# ok`) | precision | recall |")
        print("|---|---|---|---|---|---|---|")
        for cat, name, version, s in rows:
            print(f"| {cat} | {name.split(' ')[0]} {version} {name.split(' ', 1)[1]} | {s['tp']} | {s['fn']} |"
                  f" {s['fp']} ({s['fp_ok']}) | {fmt_ratio(s['precision'])} | {fmt_ratio(s['recall'])} |")
    else:
        header = (f"{'category':<8} {'tool':<24} {'version':<8} {'TP':>4} {'FN':>4} {'FP':>4}"
                  f" {'FP ok':>6} {'precision':>9} {'recall':>7}")
        print(header)
        print("-" * len(header))
        for cat, name, version, s in rows:
            print(f"{cat:<8} {name:<24} {version:<8} {s['tp']:>4} {s['fn']:>4} {s['fp']:>4}"
                  f" {s['fp_ok']:>6} {fmt_ratio(s['precision']):>9} {fmt_ratio(s['recall']):>7}")
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
