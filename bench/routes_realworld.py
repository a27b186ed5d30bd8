#!/usr/bin/env python3
"""Run the API rules (BL101-BL105) on pinned, real open-source backends and report precision inputs.

Downloads wheels with ``pip download --no-deps`` (pinned versions, sha256-checked), unpacks them
(wheels are zip files; nothing is installed or imported), then for each project:

* counts the HTTP handlers backlint discovers (``backlint.frameworks.routes``) and the routes of
  ``backlint routes``;
* runs ``backlint check --select BL101,BL102,BL103,BL104,BL105`` and reports findings per rule and
  per 100 handlers;
* prints a seeded random sample of findings (default 30 over all projects) for a manual
  true/false-positive check.

Usage (stdlib + backlint; run from the repository root):
  python bench/routes_realworld.py                       # download to /tmp/backlint-realcode, run
  python bench/routes_realworld.py --dir DIR --sample 30 --seed 7 --json-out results.json
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from pathlib import Path
from _wheels import fetch_and_unpack

REPO = Path(__file__).resolve().parent.parent
CODES = "BL101,BL102,BL103,BL104,BL105"

# name, version, wheel file, sha256 of the wheel, package directories to check
PROJECTS = [
    ("pulpcore", "3.70.0", "pulpcore-3.70.0-py3-none-any.whl",
     "3ed185ecdebeaae3b223ace1ddf6ea75f8dc82711321ec997130bca5d84083d1", ["pulpcore"], "Django + DRF"),
    ("ckan", "2.11.1", "ckan-2.11.1-py3-none-any.whl",
     "17cd126d752b0e6dbef25c3d6a25c84f3b1a6310d97389a9b14e793e44966ed2", ["ckan"], "Flask + SQLAlchemy"),
    ("django-cms", "4.1.4", "django_cms-4.1.4-py2.py3-none-any.whl",
     "db8a76bf35d12c8bd1ddd70b310d476a949a3997b89945219b500e9091c0a021", ["cms"], "Django"),
    ("open-webui", "0.6.5", "open_webui-0.6.5-py3-none-any.whl",
     "4777a518d65bba24005ed53af24451bf798c82775bc7c8b499ba53f3b3da05c4", ["open_webui"], "FastAPI + SQLAlchemy"),
    ("zenml", "0.70.0", "zenml-0.70.0-py3-none-any.whl",
     "6b68f12f6d3dc57d73ad2a10446a193a3e2e27620fc2a0111a0b742de0fe369c", ["zenml"], "FastAPI + SQLModel"),
]


def count_handlers(paths):
    sys.path.insert(0, str(REPO))
    from backlint.engine import SourceError, decode, parse
    from backlint.frameworks import routes

    handlers = 0
    by_framework = {}
    for path in routes._python_files([str(p) for p in paths]):
        try:
            with open(path, "rb") as fh:
                module = parse(decode(fh.read())[0])
        except (OSError, SourceError):
            continue
        for h in routes.extract(module, path, with_facts=False).handlers:
            handlers += 1
            by_framework[h.framework] = by_framework.get(h.framework, 0) + 1
    table = routes.resolve(routes.collect_facts([str(p) for p in paths]))
    return handlers, by_framework, len(table), sum(1 for r in table if "{?}" in r.path)


def run_rules(root: Path, packages):
    cmd = [sys.executable, "-m", "backlint", "check", "--isolated", "--no-cache", "--exit-zero",
           "--select", CODES, "--format", "json", *packages]
    proc = subprocess.run(cmd, cwd=str(root), capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"backlint failed in {root}: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)["findings"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default="/tmp/backlint-realcode")
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json-out")
    parser.add_argument("--only", help="comma-separated project names")
    args = parser.parse_args()
    workdir = Path(args.dir)
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    everything = []
    for name, version, wheel, digest, packages, stack in PROJECTS:
        if args.only and name not in args.only.split(","):
            continue
        root = fetch_and_unpack(workdir, name, version, wheel, digest, python_only=True)
        handlers, by_fw, n_routes, unresolved = count_handlers([root / p for p in packages])
        findings = run_rules(root, packages)
        per_rule = {}
        for f in findings:
            per_rule[f["code"]] = per_rule.get(f["code"], 0) + 1
            everything.append((name, f))
        per100 = {c: round(100.0 * n / handlers, 1) if handlers else None for c, n in sorted(per_rule.items())}
        results.append({"project": f"{name}=={version}", "stack": stack, "handlers": handlers,
                        "handlers_by_framework": by_fw, "routes": n_routes, "routes_with_unresolved_piece": unresolved,
                        "findings": len(findings), "per_rule": per_rule, "per_100_handlers": per100})
        print(f"{name}=={version} ({stack}): {handlers} handlers {by_fw}, {n_routes} routes "
              f"({unresolved} with {{?}}), {len(findings)} findings {per_rule}; per 100 handlers {per100}")
    rng = random.Random(args.seed)
    sample = rng.sample(everything, min(args.sample, len(everything)))
    print(f"\nRandom sample of {len(sample)} findings (seed {args.seed}) for manual review:")
    for i, (name, f) in enumerate(sample, 1):
        print(f"{i:2}. [{name}] {f['code']} {f['path']}:{f['start_line']}  {f['message'][:160]}")
    if args.json_out:
        with open(args.json_out, "w") as fh:
            json.dump({"results": results, "sample": [{"project": n, **f} for n, f in sample]}, fh, indent=2)


if __name__ == "__main__":
    main()
