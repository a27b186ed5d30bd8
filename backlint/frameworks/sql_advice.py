"""What to write instead, for the place in the SQL text where the value is pasted.

A value in a literal position (``WHERE name = '…'``, ``IN (…)``) should be a bind parameter; a
table or column name cannot be one, it needs the dialect's identifier quoting or an allow-list;
statements that take no bind parameters at all (``PRAGMA``, ``SET``, DDL) need validation or
quoting. Where the skeleton does not tell, the advice covers both.
"""
from __future__ import annotations

import re
from typing import Optional

from . import sql as sqlk

HOLE = sqlk.HOLE

# Text just before a hole that makes it a table/column/schema name.
_IDENTIFIER_BEFORE = re.compile(
    r"(\b(from|join|into|update|table|tables|view|index|schema|database|sequence|trigger|function|"
    r"procedure|type|extension|role|user|exists|on|by|column|constraint|references|truncate|"
    r"analyze|vacuum|select|returning)\s+(\w+\.)?|[\"`\[]|\.|,\s*)$",
    re.I,
)
_VALUE_BEFORE = re.compile(
    r"('|\(|(=|<|>|\blike|\bin\s*\(|\bvalues\s*\(|\blimit|\boffset|\bto|\bkey)\s*[\"'`]?)$", re.I)
_NO_PARAMETERS = re.compile(
    r"^[\s(]*(pragma|set|show|create|drop|alter|truncate|grant|revoke|comment\s+on|vacuum|"
    r"analyze|begin|reindex|cluster|refresh|lock|listen|notify|exec|execute|call)\b",
    re.I,
)

IDENTIFIER_ADVICE = (
    "a table or column name cannot be a bind parameter: pick it from an allow-list or quote it "
    "with the dialect's identifier quoting (psycopg `sql.Identifier`, Django "
    "`connection.ops.quote_name`, SQLAlchemy `dialect.identifier_preparer.quote`)"
)
NO_PARAMETER_ADVICE = (
    "statements like this one often cannot take bind parameters: pass the value as one where "
    "the driver allows it, else check it (a number, or a name from an allow-list) or quote it "
    "with the driver's quoting (psycopg `sql.Literal`/`sql.Identifier`, SQLAlchemy "
    "`dialect.identifier_preparer.quote`)"
)


def _kind(before: str) -> Optional[str]:
    if _VALUE_BEFORE.search(before):
        return "value"
    if before.endswith(('"', "`", "[")) or _IDENTIFIER_BEFORE.search(before):
        return "identifier"
    return None


def hole_kinds(text: str) -> set:
    """The kinds of the holes in ``text``: ``"value"``, ``"identifier"`` or ``None`` (unknown)."""
    kinds = set()
    parts = text.split(HOLE)
    for index in range(len(parts) - 1):
        before = HOLE.join(parts[: index + 1])
        kinds.add(_kind(before[-60:]))
    return kinds


def advice(text: Optional[str], driver_advice: str) -> str:
    """The advice for SQL text ``text`` (holes as ``HOLE``) whose driver advises ``driver_advice``."""
    if not text or HOLE not in text:
        return f"{driver_advice}; for a table or column name, {IDENTIFIER_ADVICE.split(': ', 1)[1]}"
    if _NO_PARAMETERS.match(text.replace(HOLE, " @ ")):
        if hole_kinds(text) == {"identifier"}:
            return IDENTIFIER_ADVICE
        return NO_PARAMETER_ADVICE
    kinds = hole_kinds(text)
    if kinds == {"value"}:
        return driver_advice
    if kinds == {"identifier"}:
        return IDENTIFIER_ADVICE
    return f"{driver_advice}; for a table or column name, {IDENTIFIER_ADVICE.split(': ', 1)[1]}"
