"""Test helpers for rule authors, built-in and third-party alike.

A plugin's tests can use exactly the checks backlint runs on its own rules::

    from backlint.testing import assert_rule_contract, assert_fixture
    from acme_backlint.rules import HouseHttpClient

    def test_contract():
        assert_rule_contract(HouseHttpClient)

    def test_fixtures():
        for path in FIXTURES.glob("*.py"):
            assert_fixture(HouseHttpClient, path)

Fixtures mark each line that must fire with a trailing ``# expect: CODE``; every other line must
stay silent; ``noerror_*.py`` files hold the near-misses and must have no marker.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import List, Set, Tuple, Type

from .rule import Rule, rule_problems

_EXPECT = re.compile(r"#\s*expect:\s*([A-Z]+\d{3}(?:\s*,\s*[A-Z]+\d{3})*)")


def expected_markers(path: Path) -> Set[Tuple[int, str]]:
    found = set()
    text = Path(path).read_bytes().decode("utf-8", errors="replace")
    for number, line in enumerate(re.split(r"\r\n?|\n", text), start=1):
        match = _EXPECT.search(line)
        if match:
            found |= {(number, code.strip()) for code in match.group(1).split(",")}
    return found


def _linter(rule: Type[Rule], root: str):
    from . import config as config_mod
    from .engine import Linter

    settings = config_mod.Settings(root=root)
    settings.select = (rule.code,)
    settings.enabled = config_mod.resolve_enabled(settings)
    return Linter(settings)


def findings(rule: Type[Rule], source: str, path: str = "example.py") -> List:
    """The rule's findings on ``source`` (registered rules only: the registry must know it)."""
    linter = _linter(rule, ".")
    result = linter.check_source(path, source.encode("utf-8"))
    assert not result.errors, result.errors
    return [f for f in result.findings if f.code == rule.code]


def assert_fixture(rule: Type[Rule], path: Path) -> None:
    """``path`` fires exactly on its ``# expect: CODE`` lines."""
    path = Path(path)
    linter = _linter(rule, str(path.parent))
    result = linter.check_source(path.name, path.read_bytes(), str(path))
    assert not result.errors, result.errors
    got = {(f.start_line, f.code) for f in result.findings if f.code == rule.code}
    want = {(n, c) for n, c in expected_markers(path) if c == rule.code}
    assert got == want, f"{path.name}: missing {sorted(want - got)}, unexpected {sorted(got - want)}"
    if path.name.startswith("noerror_"):
        assert not want, f"{path.name}: noerror_ fixtures must not contain expect markers"


def assert_rule_contract(rule: Type[Rule]) -> None:
    """Metadata, docs sections, and that the Example fires while the Use-instead does not."""
    plugin = not rule.code.startswith("BL")
    problems = rule_problems(rule, plugin=plugin)
    assert not problems, problems
    docs = rule.docs()
    for heading in ("Why is this bad?", "Example", "Use instead"):
        assert rule.doc_section(heading) is not None, f"{rule.code}: docs need a '## {heading}' section"
    bad, good = rule.example_code("Example"), rule.example_code("Use instead")
    assert bad and good, f"{rule.code}: Example and Use instead need a ```python block"
    assert findings(rule, bad), f"{rule.code}: the Example does not fire"
    assert not findings(rule, good), f"{rule.code}: the Use-instead block fires"
    assert docs.split("\n", 1)[0].strip(), f"{rule.code}: the docstring needs a one-line summary"
