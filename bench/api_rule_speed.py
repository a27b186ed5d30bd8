#!/usr/bin/env python3
"""Per-rule cost of the API rules (BL101-BL105), parse excluded, for a before/after comparison.

Every file of the chosen corpus apps is parsed once up front (``engine.parse`` is then served from
that cache), so each timing is the shared walk plus the one rule; ``--select NONE`` style
the baseline (decoding, roles, no walk: only the parse-error rule selected) is subtracted. CPU time
(``time.process_time``) of the best of ``--runs`` runs, so other processes on the machine matter
less than wall time would. Run it once with the code to compare on ``PYTHONPATH``:

  PYTHONPATH=/tmp/old python bench/api_rule_speed.py --apps pretix,open_webui
  python bench/api_rule_speed.py --apps pretix,open_webui
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / ".corpus" / "src"
RULES = ("BL101", "BL102", "BL103", "BL104", "BL105")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", default="pretix,open_webui")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import backlint
    from backlint import config as config_mod
    from backlint import engine

    files = []
    for app in sorted(SRC.iterdir()):
        if any(a in app.name for a in args.apps.split(",")):
            files += [(app, p) for p in sorted(app.rglob("*.py"))]
    parsed = {}
    sources = []
    for app, path in files:
        data = path.read_bytes()
        try:
            text, _ = engine.decode(data)
            parsed[text] = engine.parse(text)
        except Exception:
            continue
        sources.append((str(path.relative_to(app)), data, str(path)))
    real_parse = engine.parse
    engine.parse = lambda text: parsed[text] if text in parsed else real_parse(text)

    def timed(select):
        settings = config_mod.Settings(root=str(SRC))
        settings.select = tuple(select)
        settings.enabled = config_mod.resolve_enabled(settings)
        best = None
        for _ in range(args.runs):
            linter = engine.Linter(settings)
            start = time.process_time()
            for shown, data, real in sources:
                linter.check_source(shown, data, real)
            spent = time.process_time() - start
            best = spent if best is None else min(best, spent)
        return best

    base = timed(["BL000"])
    out = {"backlint": os.path.dirname(backlint.__file__), "files": len(sources), "walk_only_s": round(base, 2)}
    for code in RULES:
        out[code] = round(timed([code]) - base, 2)
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
