from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

import pytest

from backlint import config as config_mod
from backlint.engine import Linter
from backlint.runner import check

FIXTURES = Path(__file__).parent / "fixtures"
EXPECT_RE = re.compile(r"#\s*expect:\s*((?:BL\d{3})(?:\s*,\s*BL\d{3})*)")
SELECT_RE = re.compile(r"#\s*backlint-test:\s*select=([A-Z0-9,]+)")


def expected_markers(path: Path) -> Set[Tuple[int, str]]:
    """(line, code) for every `# expect: CODE` marker in a fixture file."""
    found = set()
    text = path.read_bytes().decode("utf-8", errors="replace")
    for number, line in enumerate(re.split(r"\r\n?|\n", text), start=1):
        match = EXPECT_RE.search(line)
        if match:
            for code in match.group(1).split(","):
                found.add((number, code.strip()))
    return found


def extra_select(path: Path) -> List[str]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    match = SELECT_RE.search(text)
    return match.group(1).split(",") if match else []


def make_settings(select: Sequence[str], root: Optional[str] = None, **overrides) -> config_mod.Settings:
    settings = config_mod.Settings(root=root or os.getcwd())
    settings.select = tuple(select)
    for key, value in overrides.items():
        setattr(settings, key, value)
    settings.enabled = config_mod.resolve_enabled(settings)
    return settings


def lint_source(source: str, select: Sequence[str], path: str = "example.py", **overrides):
    linter = Linter(make_settings(select, **overrides))
    return linter.check_source(path, source.encode("utf-8"))


def lint_counting_instances(monkeypatch, rule_cls, source: str, path: str = "app/views.py"):
    """Lint ``source`` with ``rule_cls`` alone and record each file it was instantiated for (the
    engine's ``text_filter`` tests): returns (paths instantiated, the rule's findings)."""
    import textwrap

    made: List[str] = []
    original = rule_cls.__init__

    def spy(self, ctx, settings):
        made.append(ctx.path)
        original(self, ctx, settings)

    monkeypatch.setattr(rule_cls, "__init__", spy)
    result = lint_source(textwrap.dedent(source), [rule_cls.code], path=path)
    assert not result.errors, result.errors
    return made, [f for f in result.findings if f.code == rule_cls.code]


@pytest.fixture
def run_check():
    def _run(paths, select=("ALL",), **kwargs):
        settings = make_settings(select)
        return check([str(p) for p in paths], settings, jobs=kwargs.pop("jobs", 1), **kwargs)

    return _run
