"""String literals for the hardcoded-secret rule: their values, and a cheap test on the source
text that tells, before any literal is evaluated, that a lone string cannot hold a finding.

No rule here. Most string literals in a file are short names, keys and messages; evaluating each
(libcst's ``evaluated_value`` compiles it) and testing it against every provider format and the
example/sample surroundings cost the rule most of its time.
"""
from __future__ import annotations

from typing import Optional, Tuple

from ..._lazy import cst

from ...frameworks import secrets as sk
from ...semantics import string_value

_MIN_TOKEN: Optional[int] = None


def literal(node: cst.BaseExpression) -> Optional[Tuple[str, bool]]:
    """(text, is_bytes) of a string literal (implicit concatenation included), else None."""
    if type(node) in (cst.SimpleString, cst.ConcatenatedString):
        value = string_value(node)  # iterative: generated modules concatenate thousands of pieces
        if value is None:
            return None
        if isinstance(value, bytes):
            return value.decode("latin-1"), True
        return value, False
    return None


def min_token_length() -> int:
    """The fewest characters any provider token format matches (0 if it cannot be told)."""
    global _MIN_TOKEN
    if _MIN_TOKEN is None:
        try:
            try:
                from re import _parser as parser  # type: ignore[attr-defined]
            except ImportError:  # pragma: no cover - Python < 3.11
                import sre_parse as parser  # type: ignore[no-redef]
            _MIN_TOKEN = min(
                parser.parse(f.pattern.pattern, f.pattern.flags).getwidth()[0] for f in sk.TOKEN_FORMATS
            )
        except Exception:  # pragma: no cover - a regex module without the parser
            _MIN_TOKEN = 0
    return _MIN_TOKEN


def cannot_hold_a_finding(raw: str) -> bool:
    """True when the literal whose source text is ``raw`` (prefix and quotes included) can hold
    neither a provider token nor a URL or connection-string password, whatever its value.

    The value is never longer than the source text, and without a backslash every character of
    the value is in the source: a URL credential needs ``@``, a connection string ``=``.
    """
    return len(raw) < min_token_length() and "\\" not in raw and "@" not in raw and "=" not in raw


def target_name(target: cst.BaseExpression) -> Optional[str]:
    """The name an assignment target or compared expression gives its value."""
    from ...semantics import dotted_name

    if type(target) is cst.Name:
        return target.value
    if type(target) is cst.Attribute:
        return dotted_name(target) or target.attr.value
    if type(target) is cst.Subscript and len(target.slice) == 1:
        index = target.slice[0].slice
        if type(index) is cst.Index:
            key = literal(index.value)
            if key is not None:
                return key[0]
    return None
