"""List the findings of a label that a baseline label does not have (per app, rule, path, line,
message), for the rules and apps given: what a branch adds, to be judged."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / ".corpus" / "results"


def findings(label: str, app: str) -> list:
    path = RESULTS / f"{label}-{app}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["findings"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", required=True)
    ap.add_argument("--before", required=True)
    ap.add_argument("--rules", required=True)
    args = ap.parse_args()
    rules = set(args.rules.split(","))
    merged = json.loads((RESULTS / f"{args.label}.json").read_text())
    for app in merged["apps"]:
        key = lambda f: (f["code"], f["path"], f["start_line"], f["message"])
        before = findings(args.before, app)
        if before is None:
            print(f"{app}: no {args.before} result yet")
            continue
        old = {key(f) for f in before if f["code"] in rules}
        new = [f for f in findings(args.label, app) if f["code"] in rules]
        gone = old - {key(f) for f in new}
        added = [f for f in new if key(f) not in old]
        print(f"{app}: {len(old)} -> {len(new)} (+{len(added)}, -{len(gone)})")
        for f in added:
            print(f"  + {f['code']} {f['path']}:{f['start_line']} {f['message'][:150]}")
        for c, p, l, m in sorted(gone):
            print(f"  - {c} {p}:{l} {m[:150]}")


if __name__ == "__main__":
    main()
