"""BL310-BL313 beyond the fixtures: the issue's contract (codes, names, categories, severities),
SARIF CWE metadata, and messages that name the flow with its lines."""
from __future__ import annotations

import textwrap

import pytest

from backlint import registry
from backlint.findings import RunResult
from backlint.reporters import sarif

from conftest import lint_source

ISSUE_TABLE = {
    "BL310": ("unsafe-deserialization", "unsafe-deserialization"),
    "BL311": ("secret-in-log", "secret-in-log"),
    "BL312": ("exception-details-in-response", "exception-leak"),
    "BL313": ("shell-command-injection", "command-injection"),
}


def _findings(source: str, code: str, path: str = "app/views.py"):
    result = lint_source(textwrap.dedent(source), [code], path=path)
    assert not result.errors, result.errors
    return [f for f in result.findings if f.code == code]


@pytest.mark.parametrize("code", sorted(ISSUE_TABLE))
def test_issue_table_contract(code):
    rule = registry.all_rules()[code]
    assert (rule.name, rule.category) == ISSUE_TABLE[code]
    if code == "BL310":
        # every file is read for its imports (the project pass's callers), but walked only with a sink word
        from backlint.frameworks.roles import FileRoles
        from backlint.rule import FileContext
        from backlint.semantics import Semantics
        from backlint.engine import parse
        text = "from .runners import Grid\n\ndef f(x):\n    return Grid().run(x)\n"
        ctx = FileContext("app/other.py", parse(text), text, Semantics())
        ctx.roles = FileRoles("app/other.py", frozenset())
        assert not rule(ctx, {}).walks, "files that cannot match must not be walked"
    else:
        assert rule.text_markers, "files that cannot match must not be walked"
    log = sarif.to_sarif(RunResult(), [sarif.RuleInfo.from_rule(rule)])
    props = log["runs"][0]["tool"]["driver"]["rules"][0]["properties"]
    assert any(t.startswith("external/cwe/cwe-") for t in props["tags"])
    assert "security" in props["tags"]
    assert 0 < float(props["security-severity"]) <= 10


def test_severities():
    rules = registry.all_rules()
    assert rules["BL313"].severity.value == "error"
    assert rules["BL311"].severity.value == "warning"
    assert rules["BL312"].severity.value == "warning"


def test_shell_message_names_the_flow_with_lines():
    (finding,) = _findings(
        """
        import subprocess

        def thumbnail(request):
            name = request.GET["file"]
            subprocess.run(f"convert {name} x.png", shell=True)
        """,
        "BL313",
    )
    assert finding.severity.value == "error"
    assert '`name` from `request.GET["file"]` (line 5) \u2192 `subprocess.run(..., shell=True)` (line 6)' \
        in finding.message
    assert "the client controls that text" in finding.message


def test_shell_unknown_origin_says_less():
    (finding,) = _findings(
        """
        import os

        def du(path):
            os.system("du -sh " + path)
        """,
        "BL313", path="app/tasks.py",
    )
    assert "parameter `path` (line 4)" in finding.message
    assert "not shown to be constant" in finding.message
    assert "client controls" not in finding.message


def test_deserialization_error_for_request_warning_for_unknown():
    found = _findings(
        """
        import pickle

        def restore(request):
            return pickle.loads(request.body)

        def load(blob):
            return pickle.loads(blob)
        """,
        "BL310",
    )
    assert [(f.start_line, f.severity.value) for f in found] == [(5, "error"), (8, "warning")]
    assert "`request.body` (line 5) \u2192 `pickle.loads()` (line 5)" in found[0].message
    assert "whose origin this file does not show" in found[1].message


def test_secret_in_log_message_names_the_secret():
    (finding,) = _findings(
        """
        import logging
        logger = logging.getLogger(__name__)

        def login(username, password):
            logger.info("login %s %s", username, password)
        """,
        "BL311", path="app/auth.py",
    )
    assert "`password` (line 5) \u2192 `logger.info()` (line 6)" in finding.message


def test_print_counts_only_in_handler_modules():
    source = """
        def login(token):
            print(token)
        """
    assert _findings(source, "BL311", path="app/views.py")
    assert not _findings(source, "BL311", path="app/utils.py")


def test_exception_message_names_the_except_clause():
    (finding,) = _findings(
        """
        from django.http import JsonResponse

        def report(request):
            try:
                pass
            except Exception as e:
                return JsonResponse({"error": str(e)})
        """,
        "BL312",
    )
    assert "exception `e` (line 7) \u2192 `{\"error\": str(e)}` \u2192 `JsonResponse(...)` (line 8)" \
        in finding.message


def test_exception_rule_ignores_the_exception_object_and_tests():
    source = """
        from django.http import JsonResponse

        def report(request):
            try:
                pass
            except Exception as e:
                return JsonResponse({"error": str(e)})
        """
    assert not _findings(source, "BL312", path="tests/test_views.py")


def _fixture_files():
    from pathlib import Path
    root = Path(__file__).parent / "fixtures"
    return sorted(p for code in ISSUE_TABLE for p in (root / code).glob("*.py"))


@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_one_tracker_for_all_four_rules_finds_what_each_finds_alone(path):
    """With the four rules on, the first active one drives the shared tracker and the others
    only check their sinks: each rule's findings must be those it reports when run alone."""
    source = path.read_text(encoding="utf-8")
    shown = f"app/{path.name}"
    together = lint_source(source, sorted(ISSUE_TABLE), path=shown)
    assert not together.errors, together.errors
    for code in ISSUE_TABLE:
        alone = lint_source(source, [code], path=shown)
        key = lambda f: (f.start_line, f.start_column, f.message)  # noqa: E731
        assert sorted(map(key, (f for f in together.findings if f.code == code))) == \
            sorted(map(key, (f for f in alone.findings if f.code == code))), code
