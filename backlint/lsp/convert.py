"""Findings as LSP objects: diagnostics, code actions (fixes and suppressions), hover text.

Positions: findings are 1-based lines and code-point columns; LSP ranges are 0-based and in the
client's position encoding (UTF-16 unless negotiated), converted by pygls's position codec.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence

from lsprotocol import types

from ..findings import Finding

_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "note": types.DiagnosticSeverity.Information,
}
_IGNORE = re.compile(r"#\s*backlint\s*:\s*ignore\[([^\]]*)\]")


def _range(codec, lines: Sequence[str], sl: int, sc: int, el: int, ec: int) -> types.Range:
    raw = types.Range(start=types.Position(line=max(0, sl - 1), character=max(0, sc - 1)),
                      end=types.Position(line=max(0, el - 1), character=max(0, ec - 1)))
    return codec.range_to_client_units(list(lines), raw)


def diagnostic(f: Finding, codec, lines: Sequence[str], docs_uri: Optional[str]) -> types.Diagnostic:
    description = types.CodeDescription(href=docs_uri) if docs_uri else None
    return types.Diagnostic(
        range=_range(codec, lines, f.start_line, f.start_column, f.end_line, f.end_column),
        message=f"[{f.name}] {f.message}",
        severity=_SEVERITY.get(f.severity.value, types.DiagnosticSeverity.Warning),
        code=f.code,
        code_description=description,
        source="backlint",
        data={"code": f.code, "line": f.start_line, "column": f.start_column},
    )


def _suppress_edit(f: Finding, lines: Sequence[str], codec) -> Optional[types.TextEdit]:
    """``# backlint: ignore[CODE]`` at the end of the finding's first line (merged into an
    existing ignore comment there); None where a comment cannot go (a line continued with ``\\``)."""
    index = f.start_line - 1
    if index >= len(lines):
        return None
    line = lines[index].rstrip("\r\n")
    if line.rstrip().endswith("\\"):
        return None
    match = _IGNORE.search(line)
    if match:
        codes = [c.strip() for c in match.group(1).split(",") if c.strip()]
        if f.code in codes:
            return None
        start, end = match.span(1)
        new = ", ".join(codes + [f.code])
    else:
        start = end = len(line)
        new = f"  # backlint: ignore[{f.code}]"
    rng = codec.range_to_client_units(list(lines), types.Range(
        start=types.Position(line=index, character=start), end=types.Position(line=index, character=end)))
    return types.TextEdit(range=rng, new_text=new)


def code_actions(uri: str, findings: List[Finding], lines: Sequence[str], codec,
                 diagnostics: Dict[int, types.Diagnostic], unsafe_fixes: bool = True) -> List[types.CodeAction]:
    actions: List[types.CodeAction] = []
    for f in findings:
        diag = diagnostics.get(id(f))
        related = [diag] if diag is not None else None
        if f.fix is not None and f.fix.edits:
            unsafe = f.fix.applicability != "safe"
            if unsafe and not unsafe_fixes:
                continue
            edits = [types.TextEdit(range=_range(codec, lines, e.start_line, e.start_column, e.end_line, e.end_column),
                                    new_text=e.text) for e in f.fix.edits]
            actions.append(types.CodeAction(
                title=f"{f.code}: {f.fix.description}" + (" (unsafe fix: review it)" if unsafe else ""),
                kind=types.CodeActionKind.QuickFix,
                diagnostics=related,
                is_preferred=not unsafe,
                edit=types.WorkspaceEdit(changes={uri: edits}),
            ))
        edit = _suppress_edit(f, lines, codec)
        if edit is not None:
            actions.append(types.CodeAction(
                title=f"Suppress {f.code} ({f.name}) on this line",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=related,
                edit=types.WorkspaceEdit(changes={uri: [edit]}),
            ))
    return actions


def hover_text(rule) -> str:
    """The rule's docs as Markdown (what `backlint explain` prints)."""
    return f"**{rule.code} {rule.name}** ({rule.category}, {rule.severity.value})\n\n{rule.docs()}"
