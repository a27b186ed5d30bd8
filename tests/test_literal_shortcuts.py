"""Shortcuts that skip evaluating string literals must give the same answers as evaluating them."""
from __future__ import annotations

import ast

import pytest

from backlint.frameworks import secrets as sk
from backlint.rules.security.secret_literals import cannot_hold_a_finding, min_token_length
from backlint.semantics import _plain_value, literal_value

LITERALS = [
    '""', "''", "''''''", '""""""', '"""a"b"""', "'''it's'''", "'\"'", "b'x'", "B'x'", "rb'\\d'",
    "Rb'x'", "br'x'", "u'ü'", "U'x'", "r'x'", "R'x'", "b'ü'", "'''\r\n'''", "'a\\nb'", "'\\x41KIA'",
    "\"\"\"multi\nline\"\"\"", "'日本語'", "'tab\there'", "'\x0cform feed'",
]


@pytest.mark.parametrize("raw", LITERALS)
def test_plain_value_is_the_evaluated_value_or_declines(raw):
    value = _plain_value(raw)
    if value is None:
        return  # evaluated the slow way
    assert value == ast.literal_eval(raw)
    assert type(value) is type(ast.literal_eval(raw))


@pytest.mark.parametrize("raw", LITERALS + ["'\\u00e9'", "b'\\xff'", "'a\\\nb'"])
def test_literal_value_is_libcsts_evaluated_value(raw):
    import libcst as cst

    node = cst.parse_expression(raw)
    assert isinstance(node, cst.SimpleString)
    try:
        expected = node.evaluated_value
    except SyntaxError:  # `b'ü'`: not a literal Python accepts, and no shortcut hides that
        with pytest.raises(SyntaxError):
            literal_value(node)
        return
    value = literal_value(node)
    assert value == expected and type(value) is type(expected)


def test_escapes_and_carriage_returns_are_evaluated():
    assert _plain_value("'a\\nb'") is None
    assert _plain_value("'''a\r\nb'''") is None
    assert _plain_value("f'x'") is None  # not a plain prefix
    assert _plain_value("'x'") == "x"


def test_min_token_length_bounds_every_format():
    """Every provider format needs at least min_token_length() characters (checked against
    the shortest text each pattern can match, built here by hand for the current formats)."""
    shortest = min_token_length()
    assert shortest >= 16  # the pre-check is worth something
    for fmt in sk.TOKEN_FORMATS:
        for n in range(shortest):
            # no string shorter than the bound matches: try every length with a permissive filler
            for filler in ("A", "a", "0", "f", "-", "_"):
                assert not fmt.pattern.fullmatch(filler * n), (fmt.label, n)


@pytest.mark.parametrize("raw", ["'x'", "'short key'", "b'abc'", "'a'"])
def test_short_literals_cannot_hold_a_finding(raw):
    assert cannot_hold_a_finding(raw)


@pytest.mark.parametrize("raw", [
    "'pg://u:p@h/db'",          # a URL credential needs '@'
    "'password=x host=y'",      # a connection string needs '='
    "'\\x41KIA'",               # escapes: the value may differ from the text
    "'AKIA" + "Q" * 16 + "'",  # long enough for a token
])
def test_anything_that_could_hold_one_is_evaluated(raw):
    assert not cannot_hold_a_finding(raw)


def test_findings_unchanged_for_short_tokens_in_concatenation():
    """A token split over short pieces is still judged as a whole literal."""
    from conftest import lint_source

    code = 'KEY = ("AKIA" "Q7LM" "X2PA" "9RTS" "W3VB")\nURL = "pg://app:S3cr3tPassw0rd@db/x"\n'
    result = lint_source(code, ["BL302"], path="app/settings_prod.py")
    assert [f.start_line for f in result.findings] == [1, 2]
