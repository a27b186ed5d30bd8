"""GitHub Actions annotations (``--format github``): one workflow command per finding.

``::warning file=app/x.py,line=3,col=5,endLine=3,endColumn=9,title=BL401 missing-timeout::message``

Escaping follows the workflow-command format: in the message ``%``, CR and LF are
percent-encoded; property values additionally encode ``:`` and ``,``. Before that, every control
character and line separator from the code is shown as an escape (``_safe.visible``), so no
code-derived text can start a line of its own. Knows nothing about libcst.
"""
from __future__ import annotations

from typing import List, TextIO, Tuple

from ..baseline import SecretGuard
from ..findings import RunResult
from ._safe import visible

_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(kind: str, properties: List[Tuple[str, object]], message: str) -> str:
    # code-derived text: control characters and line separators shown, never acted on
    props = ",".join(f"{key}={escape_property(visible(value))}" for key, value in properties)
    message = escape_data(visible(message))
    return f"::{kind} {props}::{message}" if props else f"::{kind}::{message}"


def render(run: RunResult, out: TextIO) -> None:
    guard = SecretGuard(run.findings)
    for f in run.findings:
        kind = _COMMANDS.get(f.severity.value, "warning")
        properties = [
            ("file", f.path),
            ("line", f.start_line),
            ("col", f.start_column),
            ("endLine", max(f.start_line, f.end_line)),
            ("endColumn", f.end_column),
            ("title", f"{f.code} {f.name}"),
        ]
        out.write(_command(kind, properties, guard.redact(f.message, f)) + "\n")
    for error in run.errors:
        properties = [("title", f"backlint {error.kind}" + (f" in {error.rule}" if error.rule else ""))]
        if error.path and not error.path.startswith("<"):
            properties.insert(0, ("file", error.path))
        out.write(_command("error", properties, guard.redact_in(error.describe(), error.path)) + "\n")
