#!/usr/bin/env python3
"""Run backlint's migration rules (BL5xx) over the migrations of pinned real projects.

Projects:
  * Django's own contrib apps, from the Django installed next to backlint
    (``django/contrib/*/migrations``; the version is printed);
  * pulpcore and django-cms (Django applications), zenml and ckan (Alembic applications),
    downloaded from PyPI with ``pip download --no-deps`` at the pinned versions below and
    checked against the pinned sha256 of each wheel before it is unpacked.

Each wheel is unpacked into ``<workdir>/<name>-<version>/`` and the whole package is checked
(migrations are recognised by their content, so everything else must stay silent). The script
prints the number of migration files found and the findings per rule and project; ``--sample N``
prints N findings drawn at random (``--seed``) with their source line, for a precision review.

Usage (from anywhere; needs network access to PyPI for the first run):
  python bench/migrations_realworld.py                      # /tmp/realcode as the work dir
  python bench/migrations_realworld.py --workdir DIR --sample 30 --seed 7
  python bench/migrations_realworld.py --json-out results.json
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import sys
from pathlib import Path
from typing import Dict, List, Tuple
from _wheels import fetch_and_unpack

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# (distribution, version, wheel file name, sha256 of the wheel, the `database` option to use)
# zenml's server supports MySQL and SQLite only; the others run on PostgreSQL.
PINNED: List[Tuple[str, str, str, str, str]] = [
    ("pulpcore", "3.123.1", "pulpcore-3.123.1-py3-none-any.whl",
     "93652191c82e1543a3ed2f62ee9e58eec892a0e79138461bffb8ce8905b9cfea", "postgresql"),
    ("django-cms", "5.1.3", "django_cms-5.1.3-py3-none-any.whl",
     "acf31919aab389d2bea253efa97a901bf55e96046a252f23a7a742e495848a5e", "postgresql"),
    ("zenml", "0.98.0", "zenml-0.98.0-py3-none-any.whl",
     "801ffbe1821bd48dfc03c9fd5519f5a7d4387d86b3d48d08bd2057dfcde5ad30", "mysql"),
    ("ckan", "2.12.0", "ckan-2.12.0-py3-none-any.whl",
     "3b41cb4860286813fbcd18c57341e96edba266e2e492aeea92c4e03ce9e2934e", "postgresql"),
]
CODES = ("BL501", "BL502", "BL503", "BL504", "BL505", "BL506", "BL507", "BL508")


def django_contrib(workdir: Path) -> Tuple[str, Path]:
    import django

    source = Path(django.__file__).resolve().parent / "contrib"
    target = workdir / f"django-{django.__version__}" / "django" / "contrib"
    if not target.exists():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "locale", "static", "templates"))
    return django.__version__, target.parent.parent


def lint(root: Path, database: str):
    from backlint import config as config_mod
    from backlint.runner import check

    settings = config_mod.Settings(root=str(root))
    settings.select = CODES
    settings.exclude = tuple(p for p in settings.exclude if p not in ("build", "dist"))
    settings.respect_gitignore = False
    settings.no_cache = True
    settings.enabled = config_mod.resolve_enabled(settings)
    settings.rule_options = {code: {"database": database} for code in CODES}
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return check(["."], settings)
    finally:
        os.chdir(cwd)


def count_migrations(root: Path) -> Tuple[int, int]:
    """(Django migration files, Alembic revision files) under ``root``, by content."""
    django_n = alembic_n = 0
    for path in root.rglob("*.py"):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "migrations.Migration" in text and path.parent.name == "migrations":
            django_n += 1
        elif "def upgrade(" in text and "\nrevision" in text:
            alembic_n += 1
    return django_n, alembic_n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", default="/tmp/realcode", type=Path)
    parser.add_argument("--sample", type=int, default=0, help="print N random findings")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)

    projects: List[Tuple[str, Path, str]] = []
    version, root = django_contrib(args.workdir)
    projects.append((f"django-contrib {version}", root, "postgresql"))
    for dist, ver, wheel, digest, database in PINNED:
        projects.append((f"{dist} {ver}", fetch_and_unpack(args.workdir, dist, ver, wheel, digest), database))

    table: Dict[str, Dict[str, int]] = {}
    all_findings = []
    print(f"{'project':<24} {'database':<10} {'django':>6} {'alembic':>7}  " + " ".join(f"{c:>5}" for c in CODES)
          + "  total errors")
    for label, root, database in projects:
        run = lint(root, database)
        counts = collections.Counter(f.code for f in run.findings)
        table[label] = dict(counts)
        django_n, alembic_n = count_migrations(root)
        print(f"{label:<24} {database:<10} {django_n:>6} {alembic_n:>7}  " + " ".join(f"{counts.get(c, 0):>5}" for c in CODES)
              + f"  {sum(counts.values()):>5} {len(run.errors):>6}")
        for err in run.errors:
            print(f"    error: {err.path}: {err.message}", file=sys.stderr)
        for f in run.findings:
            all_findings.append((label, root, f))
    totals = collections.Counter(f.code for _, _, f in all_findings)
    print(f"{'total':<24} {'':<10} {'':>6} {'':>7}  " + " ".join(f"{totals.get(c, 0):>5}" for c in CODES)
          + f"  {sum(totals.values()):>5}")

    if args.sample:
        rng = random.Random(args.seed)
        sample = rng.sample(all_findings, min(args.sample, len(all_findings)))
        print(f"\n{len(sample)} random findings (seed {args.seed}):")
        for i, (label, root, f) in enumerate(sample, 1):
            line = ""
            try:
                lines = (root / f.path).read_text(encoding="utf-8").splitlines()
                line = lines[f.start_line - 1].strip()
            except (OSError, IndexError):
                pass
            print(f"\n[{i}] {label}: {f.path}:{f.start_line} {f.code}\n    {line}\n    {f.message}")
    if args.json_out:
        args.json_out.write_text(json.dumps({
            "counts": table,
            "findings": [dict(project=label, path=f.path, line=f.start_line, code=f.code, message=f.message)
                         for label, _, f in all_findings],
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
