#!/usr/bin/env python3
"""Real-code precision harness: lint pinned applications, sample findings, score verdicts.

The corpus is 15 mature backend applications from PyPI (Django/DRF, Flask, FastAPI, SQLAlchemy,
Alembic; about 2.1 M lines). Wheels are downloaded once with ``pip download --no-deps`` (exact
version), checked against the sha256 pinned below and unpacked (``.py`` files only) to
``bench/.corpus/src/``. Nothing is installed, imported or executed, and nothing of the corpus is
committed: only our verdicts (app, path, line, rule, verdict, reason) in ``bench/verdicts/``.

Usage (repository root, backlint importable):
  python bench/precision.py fetch                      # download + verify + unpack
  python bench/precision.py run --label after [--select BL201,BL202] [--apps netbox,pretix] [--jobs 2]
        # lint every app (default: every rule, -j1) -> bench/.corpus/results/after.json
  python bench/precision.py counts --label after       # findings per rule (and per file role)
  python bench/precision.py sample --label after --seed 1 --per-rule 20 [--rules BL101,BL201]
        # writes bench/.corpus/review/<label>-<rule>.md (each finding with 12 lines of context)
        # and prints the sample's keys; add verdicts for them to bench/verdicts/<file>.tsv
  python bench/precision.py score --label after --seed 1 --per-rule 20 [--verdicts FILE ...]
        # precision of that sample from the verdict files (unjudged findings are listed)
  python bench/precision.py lost --before before --label after
        # true positives judged in any verdict file that the `after` run no longer reports
"""
from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _wheels import fetch_wheel, unpack  # noqa: E402

REPO = HERE.parent
CORPUS = HERE / ".corpus"
VERDICTS = HERE / "verdicts"

# (requirement, wheel file, sha256 of the wheel, stack)
APPS = [
    ("netbox==4.7.3", "netbox-4.7.3-py3-none-any.whl",
     "bd7828fe28ba7773bf8666560562c16d64297b15adfa37b4c3d7a7569496123d", "Django + DRF + strawberry"),
    ("pretix==2026.8.0", "pretix-2026.8.0-py3-none-any.whl",
     "a78932e698778d873530d67f25a57c28d1c09b1bfb1a22ec817c00d90397db85", "Django + DRF"),
    ("weblate==2026.10.1", "weblate-2026.10.1-py3-none-any.whl",
     "27a779ceb05fec3665081df0d3f46f4b6ac0e3f499160a1c3cb145e8e35853d2", "Django + DRF"),
    ("django-oscar==4.2.1", "django_oscar-4.2.1-py3-none-any.whl",
     "adbb95ea0130859c204cc6fb221052d6d437ecbaa90800e8418a809f72645e9c", "Django"),
    ("label-studio==1.23.2", "label_studio-1.23.2-py3-none-any.whl",
     "c575b2552d0b271554224c5e56ab2ce9449c6e62a0b4851bc8c706d8fe651137", "Django + DRF"),
    ("mayan-edms==4.12.2", "mayan_edms-4.12.2-py2.py3-none-any.whl",
     "5eb0deccb29199a7add33a757161f3f461aa3b00451de13027049258dd412f67", "Django + DRF"),
    ("ckan==2.12.0", "ckan-2.12.0-py3-none-any.whl",
     "3b41cb4860286813fbcd18c57341e96edba266e2e492aeea92c4e03ce9e2934e", "Flask + SQLAlchemy + Alembic"),
    ("lemur==1.9.3", "lemur-1.9.3-py3-none-any.whl",
     "22d5d8723b4b8617dd4d648a483fc352bbc34e90e7546b2d9ad8b40d753a8f7b", "Flask + SQLAlchemy + Alembic"),
    ("apache-superset==6.1.0", "apache_superset-6.1.0-py3-none-any.whl",
     "4b5886b2d6389a32df790aeae2532ad72529bce1af93b6edf2d1b2a8bf658748", "Flask + SQLAlchemy + Alembic"),
    ("pgadmin4==9.18", "pgadmin4-9.18-py3-none-any.whl",
     "9ea084fc416265e4fc95c9fb6e6ae0f6668d34da8670c9b65c79cea054124356", "Flask + SQLAlchemy + Alembic"),
    ("prefect==3.9.1", "prefect-3.9.1-py3-none-any.whl",
     "0c662e26e971b617993eed1f3d02fb8bc3c2dd47bee521b495f6e4dfeb38ae74", "FastAPI + SQLAlchemy + Alembic"),
    ("open-webui==0.12.4", "open_webui-0.12.4-py3-none-any.whl",
     "02e9caba96234db3fa17a92e56163b3f7f2b8ca8227fa886b85c178d696483f6", "FastAPI + SQLAlchemy + Alembic"),
    ("apache-airflow-core==3.1.0", "apache_airflow_core-3.1.0-py3-none-any.whl",
     "84d3d62d6a649fe85736a352d1a8ba133d9ca4a153a8e4575af2e11c1c86b8a0", "FastAPI + SQLAlchemy + Alembic"),
    ("nautobot==3.2.7", "nautobot-3.2.7-py3-none-any.whl",
     "0742bcb18aaf08dc45891f2c410707d4c6467089944a01ad6a836b37899ca843", "Django + DRF + graphene-django"),
    # the last release on PyPI of a large graphene-django backend; it declares Python < 3.9, so
    # the wheel is downloaded for 3.8 (it is only unpacked and read)
    ("saleor==2.10.1", "saleor-2.10.1-py3-none-any.whl",
     "ebf33a74d000dcee5298b728b1bb10321521feea74c94a28bf85da556bfd337c", "Django + graphene-django", "3.8"),
    # wave 4: smaller, younger applications, where the mistakes of the security rules part 2/3
    # (JWT, cookies, debug, TLS, password hashing, deserialization) still occur in shipped code
    ("privacyidea==3.14", "privacyidea-3.14-py3-none-any.whl",
     "86a24cbffa8a7316eab93eb220b4d8710ea68af2390990d0dddd58d7bd6947b1", "Flask + SQLAlchemy + Alembic"),
    ("changedetection.io==0.60.10", "changedetection_io-0.60.10-py3-none-any.whl",
     "a99794de52220a398ef4002ac66f6bf07e579ef9269254828e6b59bd3fb2cd13", "Flask"),
    ("octoprint==1.11.8", "octoprint-1.11.8-py3-none-any.whl",
     "21fef2f84f9b730dab905c3d22c0476f4877cadf6c129c8a75be8e5b5546241e", "Flask + Tornado"),
    ("calibreweb==0.6.27", "calibreweb-0.6.27-py3-none-any.whl",
     "c6d4173d31a4495e09c615857f30f0d03d9f7eabc7bb50558164f67083d4f72d", "Flask + SQLAlchemy"),
    ("langflow-base==1.13.0", "langflow_base-1.13.0-py3-none-any.whl",
     "e15db23e16cf27d6d1ac8fcc5030cf25ad3a04356a9581862b4e97de739dd3a2", "FastAPI + SQLModel + Alembic"),
    ("chainlit==2.12.0", "chainlit-2.12.0-py3-none-any.whl",
     "17cbd2c408f775a123892984bf9170674b5c81a01f7a8af278912e2786253ffc", "FastAPI"),
    ("glances==4.5.8", "glances-4.5.8-py3-none-any.whl",
     "0634e63f656bc270970117e352fc085dc666395be93f5ba7db48dc2104224f7f", "FastAPI"),
    ("khoj==1.42.10", "khoj-1.42.10-py3-none-any.whl",
     "03bb4ed6ce0189be5aa19453cd47ac4df27adc7508e6125b928b354d08d99b33", "Django + FastAPI"),
]


def app_dir(requirement: str) -> Path:
    name, version = requirement.split("==")
    return CORPUS / "src" / f"{name.replace('-', '_')}-{version}"


def cmd_fetch(args) -> None:
    for requirement, wheel, digest, _stack, *python in APPS:
        path = fetch_wheel(CORPUS / "wheels", requirement, wheel, digest, *python)
        target = app_dir(requirement)
        unpack(path, target, python_only=True)
        files = list(target.rglob("*.py"))
        lines = sum(p.read_bytes().count(b"\n") for p in files)
        print(f"{requirement:30} {len(files):6} files {lines:9,} lines  ({_stack})")


def cmd_run(args) -> None:
    out_dir = CORPUS / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    merged = {"label": args.label, "apps": {}, "findings": []}
    total = 0.0
    for requirement, *_ in APPS:
        root = app_dir(requirement)
        if args.apps and not any(a in root.name for a in args.apps.split(",")):
            continue
        if not root.is_dir():
            raise SystemExit(f"{root} is missing: run `python bench/precision.py fetch` first")
        out = out_dir / f"{args.label}-{root.name}.json"
        cmd = [sys.executable, "-m", "backlint", "check", ".", "--isolated", "--no-cache",
               "--select", args.select, "--format", "json", "-o", str(out), "--exit-zero",
               "-j", str(args.jobs), "-q"]
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
        seconds = time.perf_counter() - start
        total += seconds
        if not out.exists():
            raise SystemExit(f"{requirement}: backlint failed: {proc.stderr[-2000:]}")
        data = json.loads(out.read_text())
        for f in data["findings"]:
            f["app"] = root.name
            merged["findings"].append(f)
        merged["apps"][root.name] = {"files": data["summary"]["files_checked"],
                                     "findings": len(data["findings"]),
                                     "errors": len(data["errors"]), "seconds": round(seconds, 1)}
        print(f"{root.name:32} {data['summary']['files_checked']:5} files "
              f"{len(data['findings']):6} findings {len(data['errors']):3} errors {seconds:6.1f} s",
              flush=True)
    (out_dir / f"{args.label}.json").write_text(json.dumps(merged))
    print(f"total {len(merged['findings'])} findings in {total:.1f} s -> results/{args.label}.json")


def load(label: str) -> list:
    return json.loads((CORPUS / "results" / f"{label}.json").read_text())["findings"]


def key(f: dict) -> tuple:
    return (f["app"], f["path"], int(f["start_line"]), f["code"])


def cmd_counts(args) -> None:
    by_rule = collections.Counter(f["code"] for f in load(args.label))
    if args.before:
        before = collections.Counter(f["code"] for f in load(args.before))
        print("| rule | before | after |\n|---|---:|---:|")
        for code in sorted(set(by_rule) | set(before)):
            print(f"| {code} | {before.get(code, 0)} | {by_rule.get(code, 0)} |")
    else:
        for code, n in sorted(by_rule.items()):
            print(f"{code} {n}")


def draw(findings: list, rule: str, per_rule: int, seed: int) -> list:
    pool = sorted((f for f in findings if f["code"] == rule), key=key)
    # one finding per (app, path, line): a multi-finding line is one thing to read
    seen, unique = set(), []
    for f in pool:
        if key(f) not in seen:
            seen.add(key(f))
            unique.append(f)
    rng = random.Random(f"{seed}:{rule}")
    return unique if len(unique) <= per_rule else rng.sample(unique, per_rule)


def context(f: dict, radius: int = 12) -> str:
    path = CORPUS / "src" / f["app"] / f["path"]
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "(unreadable)"
    line = int(f["start_line"])
    lo, hi = max(1, line - radius), min(len(lines), line + radius)
    return "\n".join(f"{'>>' if n == line else '  '}{n:5} {lines[n - 1]}" for n in range(lo, hi + 1))


def rules_of(args, findings) -> list:
    if args.rules:
        return args.rules.split(",")
    return sorted({f["code"] for f in findings})


def cmd_sample(args) -> None:
    findings = load(args.label)
    review = CORPUS / "review"
    review.mkdir(parents=True, exist_ok=True)
    for rule in rules_of(args, findings):
        picked = draw(findings, rule, args.per_rule, args.seed)
        parts = [f"# {rule}: {len(picked)} of {sum(f['code'] == rule for f in findings)} findings "
                 f"(label {args.label}, seed {args.seed})\n"]
        for i, f in enumerate(picked, 1):
            parts.append(f"## {i}. {f['app']}\t{f['path']}\t{f['start_line']}\t{rule}\n\n"
                         f"message: {f['message']}\n\n```\n{context(f)}\n```\n")
        out = review / f"{args.label}-{rule}.md"
        out.write_text("\n".join(parts))
        print(f"{rule}: {len(picked)} -> {out.relative_to(REPO)}")


def read_verdicts(files) -> dict:
    verdicts = {}
    paths = files or sorted(VERDICTS.glob("*.tsv"))
    for path in paths:
        with open(path, newline="") as fh:
            for row in csv.reader(fh, delimiter="\t"):
                if not row or row[0].startswith("#") or row[0] == "app":
                    continue
                app, rel, line, rule, verdict = row[:5]
                verdicts[(app, rel, int(line), rule)] = (verdict.strip().upper(), row[5] if len(row) > 5 else "")
    return verdicts


def cmd_score(args) -> None:
    findings = load(args.label)
    verdicts = read_verdicts(args.verdicts)
    print(f"| rule | findings | sample | TP | FP | precision |\n|---|---:|---:|---:|---:|---:|")
    missing = []
    for rule in rules_of(args, findings):
        picked = draw(findings, rule, args.per_rule, args.seed)
        tp = fp = 0
        for f in picked:
            v = verdicts.get(key(f))
            if v is None:
                missing.append(key(f))
            elif v[0] == "TP":
                tp += 1
            else:
                fp += 1
        n = tp + fp
        prec = f"{tp / n:.2f}" if n else "-"
        print(f"| {rule} | {sum(f['code'] == rule for f in findings)} | {len(picked)} | {tp} | {fp} | {prec} |")
    if missing:
        print(f"\n{len(missing)} sampled findings have no verdict yet:")
        for m in missing:
            print("\t".join(map(str, m)))


def cmd_lost(args) -> None:
    now = {key(f) for f in load(args.label)}
    # a finding may move a line within its statement; compare on (app, path, rule) +/- 3 lines
    near = collections.defaultdict(set)
    for app, path, line, rule in now:
        near[(app, path, rule)].add(line)
    lost = []
    for k, (verdict, reason) in sorted(read_verdicts(args.verdicts).items()):
        if verdict != "TP":
            continue
        app, path, line, rule = k
        if not any(abs(line - other) <= 3 for other in near.get((app, path, rule), ())):
            lost.append((k, reason))
    print(f"{len(lost)} judged true positives are no longer reported")
    for k, reason in lost:
        print("\t".join(map(str, k)), "\t", reason)


def cmd_added(args) -> None:
    """A label of the findings of --label that --before does not have (same app, path and rule,
    more than 3 lines away), on the apps both ran: what a change added, to be sampled and judged."""
    results = CORPUS / "results"
    after = json.loads((results / f"{args.label}.json").read_text())
    before = json.loads((results / f"{args.before}.json").read_text())
    rules = set(args.rules.split(",")) if args.rules else None
    apps = set(after["apps"]) & set(before["apps"])
    near = collections.defaultdict(set)
    for f in before["findings"]:
        near[(f["app"], f["path"], f["code"])].add(int(f["start_line"]))
    added = [f for f in after["findings"] if f["app"] in apps and (rules is None or f["code"] in rules)
             and not any(abs(int(f["start_line"]) - n) <= 3 for n in near.get((f["app"], f["path"], f["code"]), ()))]
    out = {"label": args.out, "apps": {a: after["apps"][a] for a in sorted(apps)}, "findings": added}
    (results / f"{args.out}.json").write_text(json.dumps(out))
    print(f"{len(added)} findings of {args.label} not in {args.before} on {len(apps)} apps -> results/{args.out}.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("fetch")
    p = sub.add_parser("run")
    p.add_argument("--label", required=True)
    p.add_argument("--select", default="ALL")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--apps", help="comma-separated substrings of app directory names to run (default: all)")
    p = sub.add_parser("counts")
    p.add_argument("--label", required=True)
    p.add_argument("--before")
    for name in ("sample", "score"):
        p = sub.add_parser(name)
        p.add_argument("--label", required=True)
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--per-rule", type=int, default=20)
        p.add_argument("--rules")
        p.add_argument("--verdicts", nargs="*", type=Path)
    p = sub.add_parser("lost")
    p.add_argument("--label", required=True)
    p.add_argument("--verdicts", nargs="*", type=Path)
    p = sub.add_parser("added")
    p.add_argument("--label", required=True)
    p.add_argument("--before", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--rules")
    args = parser.parse_args()
    {"fetch": cmd_fetch, "run": cmd_run, "counts": cmd_counts, "sample": cmd_sample,
     "score": cmd_score, "lost": cmd_lost, "added": cmd_added}[args.cmd](args)


if __name__ == "__main__":
    main()
