"""``origin_text.short_code``: a flow's name is the expression's text with whitespace collapsed,
cut to 40 characters, generated only as far as that needs; it must equal the full generation."""
from __future__ import annotations

import libcst as cst
import pytest

from backlint.frameworks.origin_text import short_code


def _full(module: cst.Module, node: cst.CSTNode, limit: int = 40) -> str:
    text = " ".join(module.code_for_node(node).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


SOURCES = [
    "x = fetch(a, b)\n",
    "x = helpers.load(\n    request.GET['q'],\n    {'a': 1, 'b': [1, 2, 3], 'c': {'d': 'e' * 40}},\n)\n",
    "x = f(                                                   a)\n",  # whitespace only after 40
    "x = abcdefghij.abcdefghij.abcdefghij.abcdefg\n",  # exactly 40 characters
    "x = abcdefghij.abcdefghij.abcdefghij.abcdefgh\n",  # 41
    "x = (  # a comment\n    a\n    + b\n)\n",
    "x = f'''\n   many\n   lines {value!r:>{width}}\n'''\n",
]


@pytest.mark.parametrize("source", SOURCES)
def test_short_code_equals_the_full_generation(source):
    module = cst.parse_module(source)
    value = module.body[0].body[0].value
    seen = []

    class Every(cst.CSTVisitor):
        def on_visit(self, node):
            seen.append(node)
            return True

    value.visit(Every())
    for node in seen:
        assert short_code(module, node) == _full(module, node)
    assert short_code(module, value, limit=10) == _full(module, value, limit=10)


def test_a_long_call_stops_early_with_the_same_text():
    args = ", ".join(f"argument_{i}" for i in range(2000))
    module = cst.parse_module(f"x = helper({args})\n")
    call = module.body[0].body[0].value
    generated = []
    original = cst.Name._codegen_impl

    def counting(self, state):
        generated.append(self.value)
        return original(self, state)

    cst.Name._codegen_impl = counting
    try:
        assert short_code(module, call) == "helper(argument_0, argument_1, argume..."
        assert len(generated) < 10  # the names generated for the short text, not 2,001
    finally:
        cst.Name._codegen_impl = original
    assert short_code(module, call) == _full(module, call)
