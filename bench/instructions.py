"""Paired instruction counts of backlint runs, before and after a change, under valgrind.

Wall and CPU time on a shared 2-core machine vary by ±10-30 % with the load; the number of
instructions a process executes does not (same interpreter, same inputs, ``PYTHONHASHSEED=0``:
repeat runs agree to about 0.05 %). So "does rule X cost more than 5 % more after this change?"
is answered here by counting instructions with ``valgrind --tool=cachegrind --cache-sim=no``
(about 30x slower than a plain run, so use a subset of a few thousand lines per app).

For each selection (``--select BL104 --select BL201,BL202``) and each side, it runs

    valgrind ... python -m backlint check --no-cache --jobs 1 --select SEL --format json FILES

with ``PYTHONPATH`` set to the side's source tree (``--select "OLD|NEW"`` gives the two sides
different selections, for rules the change adds), and also the floor selection (``--floor``,
default ``BL001``: parse, walk and suppression check only). It prints, per selection, the
whole-run instructions and the selection's own cost (run minus floor) on each side, and the
after/before ratio of both. It also checks that both sides report the same number of findings
per selection, and says so when they differ (a precision change is expected to change them).

    git archive <before-commit> | tar -x -C /tmp/before
    python bench/instructions.py --before /tmp/before --after . \\
        --select BL104 --select BL201,BL202 \\
        --paths bench/.corpus/src/django_oscar-4.2.1/oscar/apps/basket,...

``--select DEFAULT`` runs the configured default rules (no ``--select``); ``DEFAULT+BL310,BL311``
adds rules to them (``--extend-select``) and ``DEFAULT-BL310,BL311`` leaves rules out (``--ignore``):
``--select "DEFAULT-X|DEFAULT+X"`` on one tree is the cost of the rules X. ``--bandit PATH``
(bandit's executable) and ``--parse-floor`` also count bandit (``-r``, every test) and
``bench/parse_floor.py --jobs 1`` (one libcst parse per file) on the same paths, with their
bytecode kept too, and print each backlint run's ratio to them (issue #22's "CPU <= 1.5x
bandit, cold <= 2x the parse floor"); both need a single directory in ``--paths``.

Not part of the test suite (it takes minutes).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

_IREFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def _env(tree: Path, pycache: str) -> Dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONHASHSEED="0")
    if pycache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = f"{pycache}/{hashlib.sha1(str(tree).encode()).hexdigest()[:12]}"
    return env


def count_command(cmd: List[str], pycache: str = "") -> int:
    """Instructions of one run of ``cmd`` (any program: bandit, the parse floor), every process
    counted; run once unmeasured first when ``pycache`` keeps bytecode."""
    with tempfile.TemporaryDirectory(prefix="bl-ir-") as tmp:
        env = _env(Path(tmp), pycache)
        if pycache:
            subprocess.run(cmd, env=env, capture_output=True, cwd=tmp)
        full = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--trace-children=yes",
                f"--cachegrind-out-file={tmp}/cg.%p", *cmd]
        proc = subprocess.run(full, env=env, capture_output=True, text=True, cwd=tmp)
        found = _IREFS.findall(proc.stderr)
        if not found:
            sys.exit(f"run failed ({proc.returncode}): {' '.join(full)}\n{proc.stderr[-2000:]}")
        return sum(int(f.replace(",", "")) for f in found)


def count(tree: Path, select: str, paths: List[str], python: str,
          pycache: str = "") -> Tuple[int, int]:
    """Instructions of one run and the number of findings it reported."""
    if select.startswith(("DEFAULT+", "DEFAULT-")):  # the default rules with some added or left out
        chosen = ["--extend-select" if select[7] == "+" else "--ignore", select[8:]]
    else:
        chosen = [] if select == "DEFAULT" else ["--select", select]
    with tempfile.TemporaryDirectory(prefix="bl-ir-") as tmp:
        report = Path(tmp) / "report.json"
        env = dict(os.environ, PYTHONPATH=str(tree), PYTHONHASHSEED="0")
        if pycache:
            # bytecode kept per tree (warmed by an unmeasured run first), so a rule's modules are
            # not compiled inside its measurement; without it a lazily imported module's
            # compilation counts as the rule's cost
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = f"{pycache}/{hashlib.sha1(str(tree).encode()).hexdigest()[:12]}"
            subprocess.run([python, "-m", "backlint", "check", "--no-cache", "--jobs", "1",
                            "--select", "BL", "--format", "json", "-o", str(report), *paths],
                           env=env, capture_output=True, cwd=tmp)
        cmd = [
            "valgrind", "--tool=cachegrind", "--cache-sim=no",
            f"--cachegrind-out-file={tmp}/cg.out",
            python, "-m", "backlint", "check", "--no-cache", "--jobs", "1",
            *chosen, "--format", "json", "-o", str(report), *paths,
        ]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tmp)
        found = _IREFS.findall(proc.stderr)
        if not found or proc.returncode not in (0, 1):
            sys.exit(f"run failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
        data = json.loads(report.read_text(encoding="utf-8"))
        findings = data if isinstance(data, list) else data.get("findings", data.get("results", []))
        return int(found[-1].replace(",", "")), len(findings)


_MISSES = {key: re.compile(rf"{label}\s+misses:\s+([\d,]+)") for key, label in
           (("I1", "I1 "), ("LLi", "LLi"), ("D1", "D1 "), ("LLd", "LLd"))}


def count_misses(tree: Path, select: str, paths: List[str], python: str, pycache: str = "") -> Dict[str, int]:
    """Like ``count`` but with cachegrind's cache simulation on (about twice as slow): the
    instructions, first-level and last-level cache misses (instruction and data) of one run,
    and ``cycles``, the usual rough estimate Ir + 10 x L1 misses + 100 x LL misses. For a change
    that allocates many small objects, where instructions alone could hide the cost of misses.

        python -c "import sys; sys.path.insert(0, 'bench'); from instructions import count_misses; ..."
    """
    if select.startswith(("DEFAULT+", "DEFAULT-")):
        chosen = ["--extend-select" if select[7] == "+" else "--ignore", select[8:]]
    else:
        chosen = [] if select == "DEFAULT" else ["--select", select]
    with tempfile.TemporaryDirectory(prefix="bl-cm-") as tmp:
        env = _env(tree, pycache)
        base = [python, "-m", "backlint", "check", "--no-cache", "--jobs", "1", *chosen,
                "--format", "json", "-o", f"{tmp}/report.json", *paths]
        if pycache:
            subprocess.run(base, env=env, capture_output=True, cwd=tmp)
        cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=yes", f"--cachegrind-out-file={tmp}/cg.out", *base]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tmp)
        found = _IREFS.findall(proc.stderr)
        if not found or proc.returncode not in (0, 1):
            sys.exit(f"run failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
        out = {"Ir": int(found[-1].replace(",", ""))}
        for key, pattern in _MISSES.items():
            hit = pattern.findall(proc.stderr)
            out[key] = int(hit[-1].replace(",", "")) if hit else 0
        out["cycles"] = out["Ir"] + 10 * (out["I1"] + out["D1"]) + 100 * (out["LLi"] + out["LLd"])
        return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", required=True, type=Path, help="source tree of the old code")
    ap.add_argument("--after", default=Path(__file__).resolve().parent.parent, type=Path)
    ap.add_argument("--select", action="append", required=True, help="a rule selection; repeat")
    ap.add_argument("--floor", default="BL001", help="the selection counted as the floor")
    ap.add_argument("--paths", required=True, help="comma-separated files or directories")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--pycache", default="", help="keep bytecode under this directory (recommended: "
                    "an editable install with PYTHONDONTWRITEBYTECODE compiles every module per run)")
    ap.add_argument("--bandit", default="", help="bandit's executable: count it on the same paths")
    ap.add_argument("--parse-floor", action="store_true", help="count bench/parse_floor.py --jobs 1 too")
    ap.add_argument("--log", type=Path, help="append every count to this file (JSON lines)")
    ap.add_argument("--reuse", type=Path, help="take the before side's counts from such a log "
                    "(same tree, selection and paths) instead of counting them again")
    args = ap.parse_args(argv)
    paths = [str(Path(p).resolve()) for p in args.paths.split(",") if p]
    sides = {"before": args.before.resolve(), "after": args.after.resolve()}
    results: Dict[Tuple[str, str], Tuple[int, int]] = {}
    reused: Dict[Tuple[str, str, str], Tuple[int, int]] = {}
    if args.reuse:
        for line in args.reuse.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            reused[(r["tree"], r["select"], r["paths"])] = (r["ir"], r["findings"])
    for select in [args.floor, *args.select]:
        for side, tree in sides.items():
            # "OLD|NEW": the before side runs OLD, the after side NEW (a rule added by the change)
            own = select.split("|")[0 if side == "before" else -1]
            key = (str(tree) + ("+pyc" if args.pycache else ""), own, ",".join(paths))
            if side == "before" and key in reused:
                results[(side, select)] = reused[key]
            else:
                results[(side, select)] = count(tree, own, paths, args.python, args.pycache)
            ir, n = results[(side, select)]
            if args.log:
                with args.log.open("a", encoding="utf-8") as log:
                    log.write(json.dumps({"tree": key[0], "select": own, "paths": key[2],
                                          "ir": ir, "findings": n}) + "\n")
            print(f"  {side:6} {select:24} {ir:>16,} instructions  {n} findings", file=sys.stderr)
    print("| selection | before Ir | after Ir | after/before | own cost before | own cost after "
          "| own after/before | findings before → after |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    fb, fa = results[("before", args.floor)][0], results[("after", args.floor)][0]
    print(f"| {args.floor} (floor) | {fb:,} | {fa:,} | {fa / fb:.3f} | – | – | – | – |")
    for select in args.select:
        (b, nb), (a, na) = results[("before", select)], results[("after", select)]
        ob, oa = b - fb, a - fa
        own = f"{oa / ob:.3f}" if ob > 0 else "–"
        print(f"| {select} | {b:,} | {a:,} | {a / b:.3f} | {ob:,} | {oa:,} | {own} | {nb} → {na} |")
    refs = {}
    if args.bandit:
        refs["bandit"] = count_command([args.bandit, "-r", "-q", "-f", "json", "-o", os.devnull, *paths],
                                       args.pycache)
    if args.parse_floor:
        floor_script = str(Path(__file__).resolve().parent / "parse_floor.py")
        refs["parse floor"] = count_command([args.python, floor_script, "--jobs", "1", *paths], args.pycache)
    if refs:
        print()
        print("| run | instructions | " + " | ".join(f"/ {name}" for name in refs) + " |")
        print("|---|---:|" + "---:|" * len(refs))
        rows = [(name, ir) for name, ir in refs.items()]
        rows += [(f"{side}: {select}", results[(side, select)][0]) for select in args.select for side in sides]
        for name, ir in rows:
            print(f"| {name} | {ir:,} | " + " | ".join(f"{ir / ref:.2f}" for ref in refs.values()) + " |")
        if args.log:
            with args.log.open("a", encoding="utf-8") as log:
                for name, ir in refs.items():
                    log.write(json.dumps({"tree": name, "select": "", "paths": ",".join(paths), "ir": ir,
                                          "findings": 0}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
