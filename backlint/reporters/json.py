"""Machine output, schema documented in docs/json-format.md (bump SCHEMA_VERSION on any change)."""
from __future__ import annotations

import json
from typing import TextIO

from .. import __version__
from ..findings import RunResult

SCHEMA_VERSION = 1


def to_dict(run: RunResult) -> dict:
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "backlint", "version": __version__},
        "summary": {
            "files_checked": run.files_checked,
            "findings": len(run.findings),
            "errors": len(run.errors),
            "fixes_applied": run.fixes_applied,
            "files_skipped": len(run.skipped),
        },
        "findings": [f.to_dict() for f in run.findings],
        "errors": [e.to_dict() for e in run.errors],
        "skipped": [{"path": s.path, "reason": s.message} for s in run.skipped],
    }


def render(run: RunResult, out: TextIO) -> None:
    json.dump(to_dict(run), out, indent=2, ensure_ascii=False)
    out.write("\n")
