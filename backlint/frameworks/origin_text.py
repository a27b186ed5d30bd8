"""How the value-origin model reads text built from pieces: f-strings, ``%``, ``+``, ``+=``.

A mixin of ``origin_values.OriginValues``: text is safe when every piece is; otherwise it
carries ``taint`` = (how, piece, origin of that piece), as in the SQL tracker. ``%d``-only
formatting and arithmetic are numbers.
"""
from __future__ import annotations

import re
from typing import Dict, Optional, Tuple

from .._lazy import cst

from .value_kinds import UNKNOWN, Origin, Val, merge_flows

NUMBER = Val(safe=True, note="number")
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")


class TextPieces:
    """``compose`` and the operators that build text; needs ``ev``, ``lookup`` and ``bind``."""

    def compose(self, how: str, items, text: Optional[str] = None) -> Val:
        """Text made of ``items`` ((Val, node) pairs): safe when every piece is."""
        safe = True
        taint = None
        flows: Tuple[Origin, ...] = ()
        shipped = False
        for value, node in items:
            flows = merge_flows(flows, value.flows)
            if value.taint is not None:
                taint = taint or value.taint
                safe = False
            elif not value.safe:
                safe = False
                taint = taint or (how, node, next((f for f in value.flows if f.kind != "call"), value.origin))
            shipped = shipped or value.note == "shipped"
        return Val(safe=safe, taint=taint, text=text if safe else None, flows=flows,
                   note="shipped" if shipped and safe else "")

    def _binary(self, node: cst.BinaryOperation, d: int) -> Val:
        op = node.operator
        left = self.ev(node.left, d)
        if type(op) is cst.Modulo and left.text is not None:
            conversions = [m.group(1) for m in _PERCENT.finditer(left.text) if m.group(1) != "%"]
            if conversions and all(c in "diouxXeEfFgGc" for c in conversions):
                return Val(safe=True, text=left.text)  # `%d`: numbers only
            right = node.right
            parts = [e.value for e in right.elements] if type(right) is cst.Tuple else [right]
            return self.compose("`%` formatting", [(left, node.left)] + [(self.ev(p, d), p) for p in parts])
        right = self.ev(node.right, d)
        if type(op) in (cst.Add, cst.Divide):
            if left.note == "number" and right.note == "number":
                return NUMBER
            how = "`+` concatenation" if type(op) is cst.Add else "a path"
            return self.compose(how, [(left, node.left), (right, node.right)],
                                text=(left.text or "") + (right.text or "") if type(op) is cst.Add else None)
        if type(op) is cst.Modulo:
            return NUMBER if left.note == "number" else UNKNOWN
        return NUMBER

    def on_aug_assign(self, node: cst.AugAssign) -> None:
        target = node.target
        if not type(target) is cst.Name:
            return
        old = self.lookup(target.value) or UNKNOWN
        value = self.ev(node.value)
        if type(node.operator) is cst.AddAssign:
            new = self.compose("`+=` concatenation", [(old, target), (value, node.value)])
        else:
            new = NUMBER
        self.bind(target.value, new, replace_old=True)


# -- the text of an expression, for a flow's name ----------------------------------------------
_SHORT_STATE: list = []  # the CodegenState subclass, made on first use (libcst is imported late)


class _Enough(Exception):
    pass


def _short_state(module, wanted: int):
    if not _SHORT_STATE:
        from libcst._nodes.internal import CodegenState

        class _State(CodegenState):
            """Stops the generation once ``wanted`` characters that are not whitespace are out."""

            wanted = 0
            seen = 0

            def add_token(self, value: str) -> None:
                self.tokens.append(value)
                for word in value.split():
                    self.seen += len(word)
                if self.seen >= self.wanted:
                    raise _Enough

        _SHORT_STATE.append(_State)
    state = _SHORT_STATE[0](default_indent=module.default_indent, default_newline=module.default_newline)
    state.wanted = wanted
    return state


def short_code(module, node, limit: int = 40, known: Optional[Dict[int, Tuple[object, str]]] = None) -> str:
    """``" ".join(module.code_for_node(node).split())``, cut to ``limit`` characters (the last
    three ``...``), generating only as much of ``node`` as that needs: once ``limit + 1``
    characters that are not whitespace are out, the text is longer than ``limit`` and its first
    ``limit - 3`` characters are known (a flow's name is asked for every call of a project
    function, whose arguments may be pages long).

    ``known``: id(node) -> (node, text) of earlier answers (one ``limit``), kept by the caller:
    a node's flow is named again each time a rule evaluates it (the assignment, then each sink
    check of the same statement). The node is kept too, so that its id is not reused."""
    if known is not None:
        found = known.get(id(node))
        if found is not None and found[0] is node:
            return found[1]
    state = _short_state(module, limit + 1)
    try:
        node._codegen(state)
    except _Enough:
        pass
    text = " ".join("".join(state.tokens).split())
    text = text if len(text) <= limit else text[:limit - 3] + "..."
    if known is not None:
        known[id(node)] = (node, text)
    return text
