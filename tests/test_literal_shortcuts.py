"""Shortcuts that skip evaluating string literals must give the same answers as evaluating them."""
from __future__ import annotations

import ast
import re
from pathlib import Path

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


def _examples(pattern, rng, count=40):
    """Texts ``pattern`` matches, drawn from its parsed form (literals, classes, repeats,
    alternatives; look-arounds are left out, the match itself is checked afterwards)."""
    import re._parser as sre_parse  # the stdlib's own regex parser (3.11+)
    from re._constants import (ANY, ASSERT, ASSERT_NOT, BRANCH, CATEGORY, IN, LITERAL, MAX_REPEAT,
                               MIN_REPEAT, NEGATE, RANGE, SUBPATTERN)

    alphabet = [chr(c) for c in range(32, 127)] + ["\n"]

    def chars(items):
        negate = any(op is NEGATE for op, _ in items)
        ok = set()
        for op, av in items:
            if op is LITERAL:
                ok.add(chr(av))
            elif op is RANGE:
                ok.update(chr(c) for c in range(av[0], av[1] + 1))
            elif op is CATEGORY:
                ok.update(c for c in alphabet if re.match(r"\s" if "SPACE" in str(av) else r"\w", c))
        return [c for c in alphabet if c not in ok] if negate else sorted(ok)

    def gen(seq):
        out = []
        for op, av in seq:
            if op is LITERAL:
                out.append(chr(av))
            elif op is IN:
                out.append(rng.choice(chars(av)))
            elif op is ANY:
                out.append("x")
            elif op in (MAX_REPEAT, MIN_REPEAT):
                low, high, sub = av
                for _ in range(rng.randint(low, min(high, low + 5))):
                    out.append(gen(sub))
            elif op is SUBPATTERN:
                out.append(gen(av[-1]))
            elif op is BRANCH:
                out.append(gen(rng.choice(av[1])))
            elif op in (ASSERT, ASSERT_NOT):
                continue
        return "".join(out)

    tree = sre_parse.parse(pattern.pattern, pattern.flags)
    return [gen(tree) for _ in range(count)]


def test_every_token_format_match_holds_one_of_its_hints():
    """find_token skips a format whose hints are all absent: each hint list must name literal
    text that every match contains (checked on matches drawn from each pattern's own syntax)."""
    import random

    rng = random.Random(7)
    for fmt in sk.TOKEN_FORMATS:
        assert fmt.hints, fmt.label
        examples = [t for t in _examples(fmt.pattern, rng) if fmt.pattern.search(" " + t + " ")]
        assert len(examples) >= 10, fmt.label  # the generator does produce matches
        for text in examples:
            assert any(h in text for h in fmt.hints), (fmt.label, text)


def test_find_token_with_hints_agrees_with_every_pattern_on_the_fixtures():
    import dataclasses

    texts = []
    for path in sorted((Path(__file__).parent / "fixtures").rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue  # the fixtures of parse errors and encodings
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                texts.append(node.value)
    assert len(texts) > 1000
    plain = tuple(dataclasses.replace(f, hints=()) for f in sk.TOKEN_FORMATS)
    found = 0
    for text in texts:
        hinted = sk.find_token(text)
        original, sk.TOKEN_FORMATS = sk.TOKEN_FORMATS, plain
        try:
            assert sk.find_token(text) == hinted, text
        finally:
            sk.TOKEN_FORMATS = original
        found += hinted is not None
    assert found >= 10  # the fixtures do hold tokens of several formats
