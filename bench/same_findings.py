"""Are two runs' findings identical? Complete finding records, compared per app as multisets.

    python bench/same_findings.py --before s5base --after perf-after --apps django_oscar,lemur
    python bench/same_findings.py --files a.json b.json      # two `backlint check --format json` outputs

With labels, reads ``bench/.corpus/results/<label>-<app>.json`` (written by ``precision.py run``)
for every app that has an ``--after`` file (or those named by ``--apps``). Every field of a
finding counts (rule, path, positions, message, fix, snippet, related locations, ...); only the
``app`` key is left out. Exits 1 and prints the first differences when any app differs, or when
either side reports errors. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path
from typing import Dict, List, Tuple

RESULTS = Path(__file__).resolve().parent / ".corpus" / "results"


def records(path: Path) -> Tuple[collections.Counter, int]:
    data = json.loads(path.read_text())
    found = collections.Counter()
    for finding in data["findings"]:
        finding = {k: v for k, v in finding.items() if k != "app"}
        found[json.dumps(finding, sort_keys=True)] += 1
    return found, len(data.get("errors", []))


def compare(before: Path, after: Path) -> List[str]:
    """Differences between the two files (empty: identical, and neither reports an error)."""
    a, a_errors = records(before)
    b, b_errors = records(after)
    problems = []
    if a_errors or b_errors:
        problems.append(f"errors: {a_errors} before, {b_errors} after")
    for text in sorted((a - b).keys())[:5]:
        problems.append(f"only before: {text[:300]}")
    for text in sorted((b - a).keys())[:5]:
        problems.append(f"only after: {text[:300]}")
    return problems


def per_rule(path: Path) -> Dict[str, int]:
    return collections.Counter(f["code"] for f in json.loads(path.read_text())["findings"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before")
    parser.add_argument("--after")
    parser.add_argument("--apps", default=None, help="comma-separated substrings of app names (default: every app of --after)")
    parser.add_argument("--files", nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.files:
        pairs = [("files", Path(args.files[0]), Path(args.files[1]))]
    else:
        if not (args.before and args.after):
            parser.error("--before and --after labels, or --files")
        pairs = []
        prefix = f"{args.after}-"
        for after in sorted(RESULTS.glob(f"{prefix}*.json")):
            app = after.name[len(prefix):-len(".json")]
            if args.apps and not any(a in app for a in args.apps.split(",")):
                continue
            pairs.append((app, RESULTS / f"{args.before}-{app}.json", after))
    if not pairs:
        raise SystemExit("nothing to compare")
    failed = False
    totals_before: collections.Counter = collections.Counter()
    totals_after: collections.Counter = collections.Counter()
    for app, before, after in pairs:
        problems = compare(before, after)
        totals_before.update(per_rule(before))
        totals_after.update(per_rule(after))
        n = sum(records(after)[0].values())
        print(f"{app:32} {'identical' if not problems else 'DIFFERENT'} ({n} findings)")
        for problem in problems:
            print(f"    {problem}")
        failed = failed or bool(problems)
    print()
    print("| rule | before | after |")
    print("|---|---:|---:|")
    for code in sorted(set(totals_before) | set(totals_after)):
        print(f"| {code} | {totals_before[code]} | {totals_after[code]} |")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
