"""Fix texts at the cost of the edit, not of the file.

A fix replaces one node (``old``) with another (``new``). The text that ``new`` generates depends
on where it sits only through the code-generation state: the indentation of the enclosing blocks
(continuation lines inside brackets and nested suites are indented with them), the module's
default indentation and newline. One code-generation pass over the module records that state
at each ``old`` node (the positions pass records it, positions.py); each ``new`` node is then
generated alone from the recorded state.

Every fix text is verified: ``old`` generated from the same recorded state must reproduce the
source text of its span exactly. When it does not, the caller falls back to generating the whole
module with the node replaced (correct, but costs the file's size), so no fix is ever wrong.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState


class FixTexts:
    """Replacement texts for the fixes of one module."""

    # how many nodes were generated alone, and how many needed the whole module (for tests)
    generated = 0
    whole_module = 0

    def __init__(self, module: cst.Module, indents: Dict[int, Tuple[str, ...]]) -> None:
        self.module = module
        self.indents = indents  # recorded by the positions pass (positions.py), no second pass

    def _generate(self, node: cst.CSTNode, indents: Tuple[str, ...]) -> str:
        state = CodegenState(default_indent=self.module.default_indent,
                             default_newline=self.module.default_newline)
        state.indent_tokens = list(indents)
        node._codegen(state)
        FixTexts.generated += 1
        return "".join(state.tokens)

    def replacement(self, old: cst.CSTNode, new: cst.CSTNode, original: str) -> Optional[str]:
        """The text of ``new`` in ``old``'s place, or None if the local generation cannot be
        verified (``original`` is the source text of ``old``'s span)."""
        indents = self.indents.get(id(old))
        if indents is None:
            return None
        try:
            if self._generate(old, indents) != original:
                return None
            return self._generate(new, indents)
        except Exception:
            return None


def whole_module_replacement(module: cst.Module, text: str, start: int, end: int,
                             old: cst.CSTNode, new: cst.CSTNode) -> Optional[str]:
    """The slow, always-right way: generate the whole module with ``new`` in ``old``'s place and
    take what lies between the unchanged prefix and suffix."""
    FixTexts.whole_module += 1
    try:
        replaced = module.deep_replace(old, new)
    except Exception:
        return None
    if type(replaced) is not cst.Module:
        return None
    full = replaced.code
    suffix = len(text) - end
    if full[:start] != text[:start] or full[len(full) - suffix:] != text[end:]:
        return None
    return full[start: len(full) - suffix]


def offsets(starts: List[int], where: Tuple[int, int, int, int]) -> Tuple[int, int]:
    """(start, end) character offsets of a (line 1-based, column 0-based) range."""
    return starts[where[0] - 1] + where[1], starts[where[2] - 1] + where[3]
