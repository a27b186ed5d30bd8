"""Test helper: the value-origin model's answer for every ``probe(x)`` call in a source."""
from __future__ import annotations

import textwrap
from typing import List, Tuple

from backlint import engine
from backlint.engine import parse
from backlint.findings import FileResult
from backlint.frameworks.origin_values import classify
from backlint.frameworks.roles import FileRoles, heuristic_roles
from backlint.rule import FileContext
from backlint.rules.security._origin_walk import OriginRule
from backlint.semantics import Semantics
from backlint.walker import walk


class _Probe(OriginRule):
    def __init__(self, ctx, settings) -> None:
        super().__init__(ctx, settings)
        self.seen: List[Tuple[str, object]] = []

    def sink_call(self, node) -> None:
        if getattr(node.func, "value", None) == "probe" and node.args:
            value = self.values.ev(node.args[0].value)
            self.seen.append((classify(value), value))


def probe(source: str, path: str = "app/views.py") -> List[str]:
    """The origin class of the argument of each ``probe(...)`` call, in order."""
    return [kind for kind, _ in probe_values(source, path)]


def probe_values(source: str, path: str = "app/views.py"):
    text = textwrap.dedent(source)
    module = parse(text)
    semantics = Semantics()
    ctx = FileContext(path, module, text, semantics)
    ctx.roles = FileRoles(path, heuristic_roles(path))
    rule = _Probe(ctx, {})
    result = FileResult(path)
    visit, leave, on_error = engine._handlers(semantics, ctx, [rule], result, path)
    engine._prebind_module_imports(module, semantics)
    walk(module, visit, leave, ctx.ancestors, on_error)
    assert not result.errors, result.errors
    return rule.seen
