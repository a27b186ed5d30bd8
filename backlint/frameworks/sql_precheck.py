"""Can a file hold a call that BL301 checks? Answered from the text, before the walk.

BL301 looks at values only where SQL text reaches a sink (``frameworks.sql``), and a sink call
leaves a trace in the text that a regular expression finds without parsing:

- a **method sink** (``cur.execute(sql)``, ``Model.objects.raw(sql)``, ``qs.extra(where=...)``)
  is an attribute call: a dot, one of the sink method names, then an opening parenthesis (after
  closing ones in ``(cur.execute)(sql)``) that is not the empty ``()``, which passes no SQL;
- a **function sink** (``sqlalchemy.text``, ``RawSQL``, ``pandas.read_sql``, ``sql.SQL``) is
  resolved through an import of its module, so the module's root name is in the text, and it is
  called by its own name (``text(``, ``sa.text(``, ``db.text(``) or under a name the file binds
  to it: ``... import text as t``, ``with text as t``, ``t = text`` (``semantics`` follows a
  binding from a name to a name only: not ``t = sa.text``, ``t = text.strip()``).

Whitespace, backslash continuations and comments are allowed wherever Python allows them between
those tokens. When neither trace is in the text, no call of the file is a sink, so the rule does
not run its value tracker there: its findings are the same, for the cost of a few regular
expression scans. This is a stricter filter than the rule's ``text_markers`` (which the engine
applies as plain substrings), not a replacement for them.
"""
from __future__ import annotations

import re
from typing import Dict, Pattern, Set, Tuple

from . import sql as sqlk

# between two tokens: whitespace, line continuations, comments. A comment runs to the end of
# its line, so there is one way to match a gap (`#[^\n]*` alone would split a `#####` banner
# in exponentially many ways and take minutes on one file)
_GAP = r"(?:[\s\\]|#[^\n]*\n)*"
# the same, with closing parentheses: `(cur.execute)(sql)`
_CLOSE_GAP = r"(?:[\s\\)]|#[^\n]*\n)*"


def method_names() -> Set[str]:
    """Every method name ``sql.method_sink`` or ``sql.django_raw_sink`` can return a sink for."""
    names = set(sqlk.DBAPI_METHODS) | set(sqlk.GENERIC_METHODS) | {"extra", "raw"}
    for methods in sqlk.DRIVER_METHODS.values():
        names |= methods
    return names


def function_sinks() -> Dict[str, Set[str]]:
    """Last name of each function sink -> the root modules it is imported from."""
    out: Dict[str, Set[str]] = {}
    for qualified in sqlk.FUNCTION_SINKS:
        parts = qualified.replace("()", "").split(".")
        out.setdefault(parts[-1], set()).add(parts[0])
    return out


def _alternatives(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


_METHOD_CALL: Pattern[str] = re.compile(
    rf"\.{_GAP}(?:{_alternatives(method_names())})\b{_CLOSE_GAP}\((?!\s*\))"
)


def _function_patterns() -> Tuple[Tuple[str, Tuple[str, ...], Pattern[str], Pattern[str]], ...]:
    out = []
    for last, roots in sorted(function_sinks().items()):
        name = re.escape(last)
        root = re.compile(rf"\b(?:{_alternatives(roots)})\b")
        use = re.compile(
            # called by its own name, or bound to another name by `import ... as` / `with ... as`
            rf"{name}(?<!\w{name})(?:{_CLOSE_GAP}\(|{_GAP}as\b)"
            # `t = text`: the engine follows a binding from name to name (not `t = text.strip()`;
            # the look-ahead stays on the line, so a next statement starting with `(` still counts)
            rf"|={_GAP}(?:\({_GAP})?{name}\b(?![ \t]*(?:\\\n[ \t]*)*[.(\[])"
        )
        out.append((last, tuple(sorted(roots)), root, use))
    return tuple(out)


_FUNCTION_USES = _function_patterns()


def may_reach_sql(text: str) -> bool:
    """False only when no call in ``text`` can be one of BL301's sinks."""
    if _METHOD_CALL.search(text):
        return True
    # plain substring tests first: they are much cheaper than the expressions
    return any(
        last in text and any(r in text for r in roots) and root.search(text) and use.search(text)
        for last, roots, root, use in _FUNCTION_USES
    )


def marker_words() -> tuple:
    """Substrings one of which every text ``may_reach_sql`` accepts contains (a sink method's
    name; for a function sink, a root module that has only that sink, else the sink's name):
    the rule's ``text_markers``, so that the engine does not even walk a file for it without."""
    words = set(method_names()) | {"sqlalchemy", "sqlmodel"}  # `text`, `TextClause`
    words |= {"RawSQL", "read_sql", "SQL"}  # django and pandas have other names; psycopg `sql.SQL`
    return tuple(sorted(w for w in words if not any(o != w and o in w for o in words)))
