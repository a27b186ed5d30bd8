"""BL301's text pre-check (``frameworks.sql_precheck``): it may let a file through that has no
sink, but never holds back one that has, whatever way the sink is spelled or bound."""
from __future__ import annotations

import textwrap

import pytest

from conftest import lint_source

from backlint.frameworks import sql as sqlk
from backlint.frameworks.sql_precheck import may_reach_sql, method_names

# Each reaches a sink with text built from a parameter: the rule must see it (and report it).
REACHES = {
    "cursor": """
        import sqlite3
        def f(name: str):
            cur = sqlite3.connect("db").cursor()
            cur.execute(f"SELECT * FROM t WHERE name = '{name}'")
        """,
    "split over lines with a comment": """
        import sqlite3
        def f(name: str):
            cur = sqlite3.connect("db").cursor()
            (cur.  # the cursor
             execute  # its method
             )(f"SELECT * FROM t WHERE name = '{name}'")
        """,
    "line continuation": """
        import sqlite3
        def f(name: str):
            cur = sqlite3.connect("db").cursor()
            cur \\
                .execute(f"SELECT * FROM t WHERE name = '{name}'")
        """,
    "text by its own name": """
        from sqlalchemy import text
        def f(name: str):
            return text(f"SELECT * FROM t WHERE name = '{name}'")
        """,
    "text imported under another name": """
        from sqlalchemy import text as sa_text
        def f(name: str):
            return sa_text(f"SELECT * FROM t WHERE name = '{name}'")
        """,
    "text imported in parentheses over lines": """
        from sqlalchemy import (
            text
            as q,
        )
        def f(name: str):
            return q(f"SELECT * FROM t WHERE name = '{name}'")
        """,
    "text bound to another name": """
        from sqlalchemy import text
        run = text
        def f(name: str):
            return run(f"SELECT * FROM t WHERE name = '{name}'")
        """,
    "module attribute": """
        import sqlalchemy as sa
        def f(name: str):
            return sa.text (f"SELECT * FROM t WHERE name = '{name}'")
        """,
    "RawSQL": """
        from django.db.models.expressions import RawSQL
        def f(name: str):
            return RawSQL(f"SELECT id FROM t WHERE name = '{name}'", [])
        """,
    "Manager.raw": """
        def f(name: str):
            return User.objects.raw(f"SELECT * FROM users WHERE name = '{name}'")
        """,
}


@pytest.mark.parametrize("case", sorted(REACHES))
def test_a_file_with_a_sink_passes_and_is_reported(case):
    source = textwrap.dedent(REACHES[case])
    assert may_reach_sql(source)
    result = lint_source(source, ["BL301"], path="example.py")
    assert not result.errors, result.errors
    assert [f.code for f in result.findings] == ["BL301"], case


@pytest.mark.parametrize("source", [
    "import sqlite3\nconn = sqlite3.connect('db')\ncur = conn.cursor()\n",  # `.cursor()` passes no SQL
    "from sqlalchemy import Text\ncolumn = Column(Text)\n",  # no `text` at all
    "import sqlalchemy\ndef f(text):\n    return text.strip()\n",  # `text` is a plain parameter
    "import sqlalchemy\nwords = text.split()\nlabel = text[:10]\n",
    "content_type = 'text/html'\nr = requests.get(url)\nbody = r.text\n",  # no SQL module imported
    "rows = cur.fetchall()\nlog.info('done', extra={'n': len(rows)})\n",
    "from pandas import DataFrame\nfrom sqlalchemy import select\nq = select(t)\n",
])
def test_a_file_without_a_sink_is_held_back(source):
    assert not may_reach_sql(source)


def test_every_sink_method_name_is_covered():
    """A method ``sql.method_sink`` answers for must be in the pre-check's list."""
    names = method_names()
    for method in sqlk.GENERIC_METHODS:
        assert method in names
    for methods in sqlk.DRIVER_METHODS.values():
        assert methods <= names
    assert {"execute", "raw", "extra"} <= names


def test_a_held_back_file_reports_nothing_and_a_passed_one_is_unchanged():
    source = textwrap.dedent(
        """
        import sqlalchemy
        def f(text, name: str):
            sql = f"SELECT * FROM t WHERE name = '{name}'"
            return text.strip() + sql
        """
    )
    assert not may_reach_sql(source)
    assert lint_source(source, ["BL301"], path="example.py").findings == []


@pytest.mark.parametrize("case", sorted(REACHES))
def test_the_rule_markers_let_every_reaching_file_through(case):
    from backlint.rules.security.unparameterized_sql import UnparameterizedSql

    source = textwrap.dedent(REACHES[case])
    assert any(word in source for word in UnparameterizedSql.text_markers)


def test_the_markers_cover_every_sink_name():
    from backlint.frameworks.sql_precheck import function_sinks, marker_words

    words = marker_words()
    for name in method_names():
        assert any(w in name for w in words), name
    for last, roots in function_sinks().items():
        assert any(w in last for w in words) or all(any(w in r for w in words) for r in roots), last
