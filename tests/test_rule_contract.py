"""Meta-tests: every registered rule is documented, teaches with two examples, and has fixtures
that prove both directions (must fire, must stay silent)."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from backlint import registry
from backlint.cli import main
from backlint.rule import rule_problems

from conftest import FIXTURES, expected_markers, lint_source

RULES = list(registry.all_rules().values())
MISSION_CATEGORIES = {
    "route-verb", "handler-logic", "n-plus-one", "sql-injection", "hardcoded-secret",
    "missing-timeout", "unsafe-migration",
}
# Public contract: these codes, names and categories never change. Append, never edit.
STABLE = {
    "BL000": ("parse-error", "parse-error"),
    "BL001": ("unused-suppression", "suppression"),
    "BL101": ("verb-in-route-path", "route-verb"),
    "BL102": ("get-handler-writes", "safe-method"),
    "BL103": ("db-access-in-handler", "handler-logic"),
    "BL104": ("business-logic-in-handler", "handler-logic"),
    "BL105": ("http-in-service-layer", "layering"),
    "BL106": ("singular-collection-path", "route-naming"),
    "BL107": ("unpaginated-list-endpoint", "unbounded-list"),
    "BL108": ("error-response-with-success-status", "status-code"),
    "BL109": ("create-without-201", "status-code"),
    "BL110": ("unvalidated-request-body", "input-validation"),
    "BL201": ("query-in-loop", "n-plus-one"),
    "BL202": ("lazy-relation-in-loop", "n-plus-one"),
    "BL301": ("unparameterized-sql", "sql-injection"),
    "BL302": ("hardcoded-secret", "hardcoded-secret"),
    "BL303": ("jwt-signature-not-verified", "jwt-misuse"),
    "BL304": ("jwt-without-expiry", "jwt-misuse"),
    "BL305": ("weak-password-hash", "weak-password-hash"),
    "BL306": ("insecure-cookie", "insecure-cookie"),
    "BL307": ("cors-wildcard-with-credentials", "cors-misconfig"),
    "BL308": ("debug-mode-enabled", "debug-enabled"),
    "BL309": ("tls-verification-disabled", "tls-verify-disabled"),
    "BL401": ("missing-timeout", "missing-timeout"),
    "BL402": ("blocking-call-in-async", "blocking-in-async"),
    "BL403": ("cache-without-ttl", "cache-no-ttl"),
    "BL404": ("connection-per-request", "connection-per-request"),
    "BL405": ("slow-work-in-request", "slow-work-in-request"),
    "BL406": ("retry-without-backoff", "retry-without-backoff"),
    "BL501": ("drop-column-or-table", "unsafe-migration"),
    "BL502": ("rename-column-or-table", "unsafe-migration"),
    "BL503": ("add-not-null-column", "unsafe-migration"),
    "BL504": ("whole-table-alter", "unsafe-migration"),
    "BL505": ("non-concurrent-index", "unsafe-migration"),
    "BL506": ("concurrent-index-in-transaction", "unsafe-migration"),
    "BL507": ("irreversible-migration", "unsafe-migration"),
    "BL508": ("data-and-schema-migration", "unsafe-migration"),
}


def test_stable_codes_names_and_categories():
    rules = registry.all_rules()
    for code, (name, category) in STABLE.items():
        assert code in rules, f"{code} disappeared"
        assert (rules[code].name, rules[code].category) == (name, category)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_metadata(rule):
    assert rule_problems(rule) == []
    # migrations (BL5xx) all share the mission's category word
    if rule.code.startswith("BL5"):
        assert rule.category == "unsafe-migration"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_docs_sections(rule):
    docs = rule.docs()
    assert rule.summary(), "first docstring line is the summary"
    for heading in ("Why is this bad?", "Example", "Use instead"):
        assert rule.doc_section(heading), f"{rule.code}: missing '## {heading}'"
    assert rule.example_code("Example"), f"{rule.code}: Example has no ```python block"
    assert rule.example_code("Use instead"), f"{rule.code}: Use instead has no ```python block"
    assert len(docs) > 200


@pytest.mark.parametrize("rule", [r for r in RULES if r.code != "BL001"], ids=lambda r: r.code)
def test_examples_fire_and_do_not_fire(rule):
    bad = lint_source(rule.example_code("Example"), [rule.code])
    good = lint_source(rule.example_code("Use instead"), [rule.code])
    assert [f for f in bad.findings if f.code == rule.code], f"{rule.code}: the Example does not fire"
    assert not [f for f in good.findings if f.code == rule.code], f"{rule.code}: Use instead fires"


def test_unused_suppression_examples():
    rule = registry.all_rules()["BL001"]
    bad = lint_source(rule.example_code("Example"), ["BL001", "BL401"])
    good = lint_source(rule.example_code("Use instead"), ["BL001", "BL401"])
    assert [f.code for f in bad.findings] == ["BL001"]
    assert good.findings == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_fixtures_both_directions(rule):
    folder = FIXTURES / rule.code
    assert folder.is_dir(), f"no fixtures for {rule.code} in {folder}"
    files = list(folder.rglob("*.py"))
    markers = [m for f in files for m in expected_markers(f) if m[1] == rule.code]
    assert markers, f"{rule.code}: no `# expect: {rule.code}` line"
    assert any(f.name.startswith("noerror_") for f in files), f"{rule.code}: no noerror_*.py must-not-fire file"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_explain_prints_docs(rule):
    result = CliRunner().invoke(main, ["explain", rule.code])
    assert result.exit_code == 0
    assert rule.name in result.output
    assert "## Why is this bad?" in result.output
    assert rule.example_code("Example").strip().splitlines()[0] in result.output
    by_name = CliRunner().invoke(main, ["explain", rule.name])
    assert by_name.output == result.output


def test_rule_fixable_iff_a_fix_fixture_exists():
    for rule in RULES:
        has_fix_fixture = any((FIXTURES / rule.code).glob("fix_*.py"))
        assert rule.has_fix() == has_fix_fixture, f"{rule.code}: fixable={rule.has_fix()} but fix fixtures={has_fix_fixture}"
