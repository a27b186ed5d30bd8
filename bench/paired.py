"""Paired, interleaved timing of two backlint source trees beside bandit, on one directory.

    python bench/paired.py --before /tmp/old --dirs bench/.corpus/src/django_oscar-4.2.1 \
        --bandit /path/to/bandit --runs 3 --jobs 2

``--before`` is a directory holding an older ``backlint/`` package (e.g. ``git archive main
backlint | tar -x -C /tmp/old``); "after" is the backlint importable here. The directories are
copied to a temporary directory first (the five-changed-files run edits files there, never in
the corpus). Every round runs, one after the other: the libcst parse floor, before cold, after
cold, bandit; then warm (the edited files restored and re-checked first, untimed), five
changed files (cache warm, files named on the command line) and one file of the example
project, before and after. ``--incremental-only`` skips the cold runs and bandit. Each figure is the median over the rounds of
/usr/bin/time -v (wall, user + system CPU, peak RSS). On a shared machine the rounds are
interleaved so that load changes hit both sides alike; the CPU figures are the steadier ones.
Not part of the test suite.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchmark import timed  # noqa: E402

REPO = HERE.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True)
    parser.add_argument("--dirs", required=True, help="comma-separated directories to check")
    parser.add_argument("--bandit", default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--select", default=None, help="default: every default-on rule")
    parser.add_argument("--incremental-only", action="store_true",
                        help="fill each cache once, untimed, then time only warm, five changed files, one file")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="backlint-paired-"))
    src = work / "src"
    for d in args.dirs.split(","):
        shutil.copytree(d, src / Path(d).name)
    files = sorted(src.rglob("*.py"))
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    print(f"{len(files)} files, {lines:,} lines", flush=True)

    # each side runs from the work directory, never from a source tree: `python -m` puts the
    # working directory first on sys.path, so from the repository the "before" side would
    # import the repository's backlint, not --before's (runs before 2026-12-02 did)
    env_before = dict(os.environ, PYTHONPATH=os.path.abspath(args.before))
    env_after = dict(os.environ, PYTHONPATH=str(REPO))
    select = ["--select", args.select] if args.select else []

    def backlint(cache: Path, *paths) -> List[str]:
        return [sys.executable, "-m", "backlint", "check", "--isolated", "--exit-zero", "-q", "-j", str(args.jobs),
                "--cache-dir", str(cache), *select, *map(str, paths)]

    sides = {"before": env_before, "after": env_after}
    for side, env in sides.items():  # say which tree each side imports
        where = subprocess.run([sys.executable, "-c", "import backlint; print(backlint.__file__)"], cwd=work,
                               env=env, capture_output=True, text=True).stdout.strip()
        print(f"{side}: {where}", flush=True)
    samples: Dict[str, List[Dict[str, float]]] = {}

    def add(name: str, result: Dict[str, float]) -> None:
        samples.setdefault(name, []).append(result)
        print(f"  {name}: wall {result['wall']:.2f} s, CPU {result['cpu']:.2f} s, RSS {result['rss_mib']:.0f} MiB", flush=True)

    def run(cmd: List[str], env: Dict[str, str], before=None) -> Dict[str, float]:
        os.environ.clear()
        os.environ.update(env)
        try:
            return timed(cmd, work, before)
        finally:
            os.environ.clear()
            os.environ.update(env_after_full)

    env_after_full = dict(os.environ)
    changed = files[:: max(1, len(files) // 5)][:5]
    originals = {p: p.read_bytes() for p in changed}
    one = REPO / "examples" / "shop" / "app" / "services" / "payments.py"
    def restore():
        for p, data in originals.items():
            p.write_bytes(data)

    try:
        if args.incremental_only:
            for side, env in sides.items():
                run(backlint(work / f"cache-{side}", src), env)
        for round_ in range(args.runs):
            print(f"round {round_ + 1}", flush=True)
            if args.incremental_only:
                pass  # no cold runs
            else:
                add("libcst parse only (floor)", run([sys.executable, str(HERE / "parse_floor.py"), "--jobs", str(args.jobs), str(src)], env_after))
                for side, env in sides.items():
                    cache = work / f"cache-{side}"
                    add(f"{side}: cold", run(backlint(cache, src), env,
                                             lambda c=cache: (restore(), shutil.rmtree(c, ignore_errors=True))))
                if args.bandit:
                    add("bandit (all tests)", run([args.bandit, "-r", "-q", "-f", "json", "-o", os.devnull, str(src)], env_after))
            for side, env in sides.items():
                cache = work / f"cache-{side}"
                # warm: the files as they were when this side's cache was filled (the other
                # side's five-file edit is undone first), so only the cache is measured
                run(backlint(cache, *changed), env, restore)
                add(f"{side}: warm", run(backlint(cache, src), env))
                counter = [round_]

                def edit_five(counter=counter):
                    counter[0] += 1
                    for p in changed:
                        p.write_bytes(originals[p] + f"\n# benchmark edit {side} {counter[0]}\n".encode())

                add(f"{side}: 5 changed files", run(backlint(cache, *changed), env, edit_five))
                add(f"{side}: one file", run([sys.executable, "-m", "backlint", "check", "--exit-zero", "-q", "--no-cache", str(one)], env))
    finally:
        restore()
    print()
    print(f"{len(files)} files, {lines:,} lines; median of {args.runs} interleaved rounds, -j {args.jobs}")
    print()
    print("| run | wall s | CPU s | peak RSS MiB |")
    print("|---|---:|---:|---:|")
    medians = {}
    for name, runs in samples.items():
        m = {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "rss_mib")}
        medians[name] = m
        print(f"| {name} | {m['wall']:.2f} | {m['cpu']:.2f} | {m['rss_mib']:.0f} |")
    if "bandit (all tests)" in medians:
        b = medians["bandit (all tests)"]
        floor = medians["libcst parse only (floor)"]
        print()
        for side in sides:
            c = medians[f"{side}: cold"]
            print(f"- {side}: cold wall / bandit {c['wall'] / b['wall']:.2f}x, CPU / bandit CPU "
                  f"{c['cpu'] / b['cpu']:.2f}x, cold wall / parse floor {c['wall'] / floor['wall']:.2f}x")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
