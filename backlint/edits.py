"""Text edits: a fix's replacement text for its node's span, and applying edits to a file.

Fixes are text edits (``findings.Edit``) so that reporters and ``--fix``/``--diff`` share one
representation.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import libcst as cst

from .findings import Edit
from .fixtext import FixTexts, offsets as fix_offsets, whole_module_replacement
from .lines import line_starts


_line_starts = line_starts


def _replacement_text(module: cst.Module, text: str, starts: List[int], old: cst.CSTNode,
                      new: cst.CSTNode, where: Tuple[int, int, int, int],
                      texts: Optional[FixTexts] = None) -> Optional[str]:
    """The text that replaces ``old``'s span when ``new`` takes its place in the module.

    Generated from the code-generation state at ``old`` (fixtext.py: the cost of the edit), and
    only when that cannot be verified, from the whole module with the node replaced.
    """
    start, end = fix_offsets(starts, where)
    if texts is not None:
        local = texts.replacement(old, new, text[start:end])
        if local is not None:
            return local
    return whole_module_replacement(module, text, start, end, old, new)


def apply_edits(text: str, edits: List[Edit]) -> Tuple[str, int]:
    """Apply non-overlapping edits (1-based positions); overlapping later ones are skipped."""
    starts = _line_starts(text)

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    spans = sorted(((offset(e.start_line, e.start_column), offset(e.end_line, e.end_column), e.text) for e in edits))
    out: List[str] = []
    cursor = 0
    applied = 0
    for start, end, new in spans:
        if start < cursor:
            continue
        out.append(text[cursor:start])
        out.append(new)
        cursor = end
        applied += 1
    out.append(text[cursor:])
    return "".join(out), applied
