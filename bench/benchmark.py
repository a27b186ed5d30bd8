"""Speed and memory of backlint beside bandit and ruff, on ~0.9 M lines of real backend code.

    python bench/benchmark.py                 # download, install peers, run, print the table
    python bench/benchmark.py --runs 5 --write docs/performance.md

What it does:
1. downloads pinned wheels from PyPI (Django, pulpcore, django-cms, ckan, open-webui, zenml),
   checks their sha256, and unpacks their .py files to bench/.corpus/src/ (no code is run);
2. installs pinned bandit and ruff into a separate virtualenv (bench/.corpus/peers);
3. times, with /usr/bin/time -v (wall, CPU, peak RSS), median of --runs runs each:
   the libcst parse-only floor at 2 processes; backlint cold (empty cache), warm (nothing
   changed), pre-commit shape (five changed files named on the command line, cache warm);
   backlint on one file of the small example project; bandit; ruff cold and cached;
4. prints a table with the ratios the goals are stated in, and optionally writes it to a file.
Not part of the test suite.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple
from _wheels import fetch_wheel, unpack

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "bench" / ".corpus"

CORPUS = [  # (requirement, wheel file name, sha256)
    ("django==5.2.8", "django-5.2.8-py3-none-any.whl",
     "37e687f7bd73ddf043e2b6b97cfe02fcbb11f2dbb3adccc6a2b18c6daa054d7f"),
    ("pulpcore==3.123.1", "pulpcore-3.123.1-py3-none-any.whl",
     "93652191c82e1543a3ed2f62ee9e58eec892a0e79138461bffb8ce8905b9cfea"),
    ("django-cms==5.1.3", "django_cms-5.1.3-py3-none-any.whl",
     "acf31919aab389d2bea253efa97a901bf55e96046a252f23a7a742e495848a5e"),
    ("ckan==2.12.0", "ckan-2.12.0-py3-none-any.whl",
     "3b41cb4860286813fbcd18c57341e96edba266e2e492aeea92c4e03ce9e2934e"),
    ("open-webui==0.12.4", "open_webui-0.12.4-py3-none-any.whl",
     "02e9caba96234db3fa17a92e56163b3f7f2b8ca8227fa886b85c178d696483f6"),
    ("zenml==0.98.0", "zenml-0.98.0-py3-none-any.whl",
     "801ffbe1821bd48dfc03c9fd5519f5a7d4387d86b3d48d08bd2057dfcde5ad30"),
]
PEERS = ["bandit==1.9.4", "ruff==0.17.6"]


def sh(cmd: List[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kw)


def fetch_corpus() -> Path:
    src = WORK / "src"
    for requirement, name, sha in CORPUS:
        wheel = fetch_wheel(WORK / "wheels", requirement, name, sha)
        unpack(wheel, src / requirement.split("==")[0], python_only=True)
    return src


def peers_venv() -> Path:
    venv = WORK / "peers"
    if not (venv / "bin" / "python").exists():
        sh([sys.executable, "-m", "venv", str(venv)])
    sh([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *PEERS])
    return venv


def count_lines(root: Path) -> Tuple[int, int]:
    files = lines = 0
    for path in root.rglob("*.py"):
        files += 1
        lines += path.read_bytes().count(b"\n")
    return files, lines


_TIME_FIELDS = {
    "wall": re.compile(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.+)"),
    "user": re.compile(r"User time \(seconds\): ([\d.]+)"),
    "sys": re.compile(r"System time \(seconds\): ([\d.]+)"),
    "rss": re.compile(r"Maximum resident set size \(kbytes\): (\d+)"),
}


def _wall(text: str) -> float:
    parts = [float(p) for p in text.strip().split(":")]
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


def timed(cmd: List[str], cwd: Path, before=None) -> Dict[str, float]:
    if before:
        before()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=cwd, capture_output=True, text=True)
    found = {k: r.search(proc.stderr) for k, r in _TIME_FIELDS.items()}
    if not all(found.values()):
        raise SystemExit(f"could not time {cmd}: {proc.stderr[-2000:]}")
    return {
        "wall": _wall(found["wall"].group(1)),
        "cpu": float(found["user"].group(1)) + float(found["sys"].group(1)),
        "rss_mib": int(found["rss"].group(1)) / 1024,
        "exit": proc.returncode,
    }


def median_of(runs: int, cmd: List[str], cwd: Path, before=None) -> Dict[str, float]:
    samples = [timed(cmd, cwd, before) for _ in range(runs)]
    return {k: statistics.median(s[k] for s in samples) for k in ("wall", "cpu", "rss_mib")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--backlint", default=str(Path(sys.executable).with_name("backlint")))
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--write", help="also write the report (markdown) to this file")
    args = parser.parse_args()

    src = fetch_corpus()
    files, lines = count_lines(src)
    cache = WORK / "cache"
    bl = [args.backlint, "check", "--isolated", "--exit-zero", "-q", "-j", str(args.jobs), "--cache-dir", str(cache)]
    results: Dict[str, Dict[str, float]] = {}

    def clear_cache():
        shutil.rmtree(cache, ignore_errors=True)

    print(f"corpus: {files} files, {lines} lines", flush=True)
    results["libcst parse only (floor)"] = median_of(
        args.runs, [sys.executable, str(REPO / "bench" / "parse_floor.py"), "--jobs", str(args.jobs), str(src)], REPO)
    print("floor done", flush=True)
    results["backlint cold"] = median_of(args.runs, bl + [str(src)], REPO, before=clear_cache)
    print("cold done", flush=True)
    timed(bl + [str(src)], REPO)  # make sure the cache is complete
    results["backlint warm"] = median_of(args.runs, bl + [str(src)], REPO)

    changed = sorted(src.rglob("*.py"))[:: max(1, files // 5)][:5]
    originals = {p: p.read_bytes() for p in changed}
    counter = [0]

    def edit_five():
        counter[0] += 1
        for p in changed:
            p.write_bytes(originals[p] + f"\n# benchmark edit {counter[0]}\n".encode())

    try:
        results["backlint 5 changed files (pre-commit)"] = median_of(
            args.runs, bl + [str(p) for p in changed], REPO, before=edit_five)
    finally:
        for p, data in originals.items():
            p.write_bytes(data)
    one = REPO / "examples" / "shop" / "app" / "services" / "payments.py"
    results["backlint one file, small project"] = median_of(
        args.runs, [args.backlint, "check", "--exit-zero", "-q", "--no-cache", str(one)], REPO)

    versions = {"backlint": subprocess.run([args.backlint, "--version"], capture_output=True, text=True).stdout.strip()}
    if not args.skip_peers:
        venv = peers_venv()
        bandit, ruff = str(venv / "bin" / "bandit"), str(venv / "bin" / "ruff")
        versions["bandit"] = subprocess.run([bandit, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
        versions["ruff"] = subprocess.run([ruff, "--version"], capture_output=True, text=True).stdout.strip()
        results["bandit (all tests)"] = median_of(args.runs, [bandit, "-r", "-q", "-f", "json", "-o", os.devnull, str(src)], REPO)
        print("bandit done", flush=True)
        ruff_cmd = [ruff, "check", "--isolated", "--exit-zero", "-q", "--extend-select", "S"]
        results["ruff cold"] = median_of(args.runs, ruff_cmd + ["--no-cache", str(src)], REPO)
        ruff_cache = WORK / "ruff-cache"
        subprocess.run(ruff_cmd + ["--cache-dir", str(ruff_cache), str(src)], capture_output=True)
        results["ruff cached"] = median_of(args.runs, ruff_cmd + ["--cache-dir", str(ruff_cache), str(src)], REPO)

    report = render(results, files, lines, versions, args)
    print(report)
    if args.write:
        Path(args.write).write_text(report)


def render(results, files, lines, versions, args) -> str:
    cpu = ""
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    out = [
        f"Measured {datetime.date.today().isoformat()} on {os.cpu_count()} cores ({cpu or platform.machine()}), "
        f"Python {platform.python_version()}; {', '.join(versions.values())}.",
        f"Corpus: {files} files, {lines:,} lines ({', '.join(r for r, _, _ in CORPUS)}). "
        f"Median of {args.runs} runs, {args.jobs} processes for backlint.",
        "",
        "| run | wall s | CPU s | peak RSS MiB |",
        "|---|---:|---:|---:|",
    ]
    for name, r in results.items():
        out.append(f"| {name} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['rss_mib']:.0f} |")
    out.append("")
    floor = results["libcst parse only (floor)"]["wall"]
    cold = results["backlint cold"]["wall"]
    goals = [f"- cold / parse floor: {cold / floor:.2f}× (goal ≤ 2×)"]
    if "bandit (all tests)" in results:
        goals.insert(0, f"- cold / bandit: {cold / results['bandit (all tests)']['wall']:.2f}× (goal ≤ 0.75×)")
    goals += [
        f"- warm: {results['backlint warm']['wall']:.2f} s (goal ≤ 0.6 s)",
        f"- five changed files: {results['backlint 5 changed files (pre-commit)']['wall']:.2f} s (goal ≤ 0.5 s)",
        f"- one file, small project: {results['backlint one file, small project']['wall']:.2f} s (goal ≤ 0.3 s)",
        f"- peak RSS: {max(r['rss_mib'] for k, r in results.items() if k.startswith('backlint')):.0f} MiB (goal ≤ 250 MiB per worker)",
    ]
    return "\n".join(out + goals) + "\n"


if __name__ == "__main__":
    main()
