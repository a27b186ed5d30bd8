#!/usr/bin/env python3
"""Compare backlint's BL310 (unsafe deserialization) and BL313 (shell command injection) with
bandit and ruff on our fixtures.

Ground truth is the ``# expect: BLxxx`` markers in tests/fixtures/BL310/ and BL313/: a marked
line must be reported, every other line (the near-misses of issue #18: safe YAML loaders,
`pickle.dumps`, shipped artifacts, argv lists, `shlex.quote`, constant commands, `%d`) must not.
The peers' rules for the same sinks:

  BL310  bandit B301 (pickle), B302 (marshal), B506 (yaml.load), B614 (torch.load)
         ruff   S301 (pickle), S302 (marshal), S506 (unsafe yaml.load)
  BL313  bandit B602 (subprocess shell=True), B604 (shell=True elsewhere), B605 (os.system/popen)
         ruff   S602, S604, S605

The fixtures are written to backlint's own specification, so this checks what each tool is
built to tell apart (a constant command from a built one, a shipped file from a request body);
it is not a neutral benchmark. bandit and ruff report sinks by shape, so they are expected to
report the near-misses; ruff's S602/S605 do look at whether the command is a literal.

Usage (run from the repository root; bandit and ruff must be installed in ``--venv``):
  python bench/compare_deserialization_shell.py --venv /path/to/venv [--json-out FILE]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from compare_security2 import expectations, run_backlint, run_bandit, run_ruff  # noqa: E402
from compare_timeouts import ToolUnavailable, fmt_ratio, score, tool_version, venv_bin  # noqa: E402

REPO = HERE.parent
FIXTURES = REPO / "tests" / "fixtures"
PEERS: Dict[str, Dict[str, Tuple[str, ...]]] = {
    "BL310": {"bandit": ("B301", "B302", "B506", "B614"), "ruff": ("S301", "S302", "S506")},
    "BL313": {"bandit": ("B602", "B604", "B605"), "ruff": ("S602", "S604", "S605")},
}


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--venv", type=Path, required=True, help="a virtualenv with bandit and ruff")
    ap.add_argument("--python", default=sys.executable, help="interpreter for `-m backlint`")
    ap.add_argument("--json-out", type=Path)
    args = ap.parse_args(argv)
    print("peers: bandit " + tool_version([str(venv_bin(args.venv, "bandit")), "--version"], REPO).split()[1]
          + "; " + tool_version([str(venv_bin(args.venv, "ruff")), "--version"], REPO))
    header = f"{'rule':<6} {'tool':<28} {'expected':>8} {'TP':>4} {'FN':>4} {'FP':>4} {'precision':>9} {'recall':>7}"
    print(header)
    print("-" * len(header))
    report: Dict[str, Dict[str, object]] = {}
    lists: List[str] = []
    for code, peers in PEERS.items():
        folder = FIXTURES / code
        expected, sources = expectations(folder, code)
        tools: List[Tuple[str, Set[Tuple[str, int]]]] = [(f"backlint {code}", run_backlint(args.python, folder, code))]
        for peer, codes in peers.items():
            runner = run_bandit if peer == "bandit" else run_ruff
            try:
                tools.append((f"{peer} {','.join(codes)}", runner(args.venv, folder, codes)))
            except ToolUnavailable as exc:
                print(f"{code:<6} {peer}: not available ({exc})")
        report[code] = {}
        for name, found in tools:
            s = score(expected, found)
            report[code][name] = s
            print(f"{code:<6} {name:<28} {s['expected']:>8} {s['tp']:>4} {s['fn']:>4} {s['fp']:>4}"
                  f" {fmt_ratio(s['precision']):>9} {fmt_ratio(s['recall']):>7}")
            for label, locs in (("misses", expected - found), ("false positives", found - expected)):
                for rel, line in sorted(locs):
                    text = sources.get(rel, [""] * line)[line - 1].split("# expect")[0].strip()
                    lists.append(f"{code} {name} {label}: {rel}:{line}: {text}")
    if lists:
        print()
        print("\n".join(lists))
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
