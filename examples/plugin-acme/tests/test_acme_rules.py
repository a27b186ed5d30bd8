"""The plugin's own tests, with backlint's rule-author helpers (the same contract as built-ins)."""
from pathlib import Path

from backlint.testing import assert_fixture, assert_rule_contract

from acme_backlint.rules import RawHttpClient

FIXTURES = Path(__file__).parent / "fixtures" / "ACME101"


def test_contract():
    assert_rule_contract(RawHttpClient)


def test_fixtures():
    paths = sorted(FIXTURES.glob("*.py"))
    assert paths
    for path in paths:
        assert_fixture(RawHttpClient, path)
