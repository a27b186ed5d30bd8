"""BL301 by origin: the message gives the flow (value, where it entered, sink) and says less
when the origin is unknown; the value tracker's summaries of local functions."""
from __future__ import annotations

import textwrap

from conftest import lint_source


def _messages(source: str, path: str = "example.py"):
    result = lint_source(textwrap.dedent(source), ["BL301"], path=path)
    assert not result.errors, result.errors
    return [(f.start_line, f.message) for f in result.findings if f.code == "BL301"]


def test_parameter_flow_names_the_parameter_its_line_and_the_sink_line():
    ((line, message),) = _messages(
        """
        import sqlite3

        def find(
            name: str,
        ):
            cur = sqlite3.connect("db").cursor()
            cur.execute(f"SELECT * FROM t WHERE name = '{name}'")
        """
    )
    assert line == 8
    assert "`name` (`str` parameter of `find`, line 5) \u2192 `cur.execute()`" in message
    assert "at line 8" in message
    assert "whoever controls that value can rewrite the query" in message


def test_request_input_is_named_as_such():
    ((_, message),) = _messages(
        """
        import sqlite3
        from flask import request

        def search():
            term = request.args["q"]
            sqlite3.connect("db").execute(f"SELECT * FROM t WHERE title = '{term}'")
        """
    )
    assert "(request input, line 6)" in message
    assert "whoever controls that value" in message


def test_handler_parameter_in_a_views_module():
    ((_, message),) = _messages(
        """
        from django.db import connection

        def detail(request, slug):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT * FROM t WHERE slug = '{slug}'")
        """,
        path="shop/views.py",
    )
    assert "request-handler parameter of `detail`, line 4" in message


def test_untyped_parameter_and_unknown_values_are_hedged():
    found = _messages(
        """
        import sqlite3

        def find(name, rows):
            conn = sqlite3.connect("db")
            conn.execute(f"SELECT * FROM t WHERE name = '{name}'")
            conn.execute(f"SELECT * FROM t WHERE id = '{rows.first().label}'")
        """
    )
    (_, by_param), (_, unknown) = found
    assert "(parameter of `find`, line 4)" in by_param
    assert "if a caller can pass outside input" in by_param
    assert "whoever controls" not in by_param
    assert "from `rows.first().label`" in unknown
    assert "nothing in this file shows that value is a number" in unknown


def test_local_quoting_function_is_summarised_also_when_defined_later():
    found = _messages(
        """
        import sqlite3
        conn = sqlite3.connect("db")

        def run(name):
            conn.execute(f"DROP TABLE {wrap(name)}")
            conn.execute(f"DROP TABLE {trimmed(name)}")

        def wrap(s):
            return '"' + s.replace('"', '""') + '"'

        def trimmed(s):
            return s.strip()

        def run_after(name):
            conn.execute(f"DROP TABLE {wrap(name)}")
            conn.execute(f"DROP TABLE {trimmed(name)} WHERE {wrap(name)} = 1")
        """
    )
    # `wrap` quotes, whether it is read before or after its caller; `trimmed` hands its argument
    # back, and a decided piece is named before a later function's
    assert [line for line, _ in found] == [7, 17]
    assert all("`trimmed(name)`" in message for _, message in found)


def test_helper_returning_sql_built_from_its_parameters_is_composition_at_the_caller():
    assert not _messages(
        """
        import sqlite3

        def build(name):
            return f"SELECT * FROM t WHERE name = '{name}'"

        def run(name):
            sqlite3.connect("db").execute(build(name))
        """
    )


def test_test_files_are_not_checked():
    source = """
        import sqlite3
        def test_it(name):
            sqlite3.connect("db").execute(f"SELECT * FROM t WHERE name = '{name}'")
        """
    assert _messages(source, path="app/report.py")
    assert not _messages(source, path="tests/test_report.py")


def test_advice_fits_where_the_value_is_pasted():
    found = dict(_messages(
        """
        import sqlite3
        conn = sqlite3.connect("db")

        def run(name: str, table: str, key: str):
            conn.execute(f"SELECT * FROM t WHERE name = '{name}'")
            conn.execute(f"DROP TABLE {table}")
            conn.execute(f"PRAGMA key = '{key}'")
            conn.execute(f"SELECT * FROM {table} WHERE name = '{name}'")
        """
    ))
    value, ident, pragma, both = (found[n] for n in (6, 7, 8, 9))
    assert "`?` placeholders" in value and "identifier quoting" not in value
    assert "cannot be a bind parameter" in ident and "`?` placeholders" not in ident
    assert "often cannot take bind parameters" in pragma
    assert "`?` placeholders" in both and "for a table or column name" in both


def test_hole_kinds():
    from backlint.frameworks import sql_advice as advice

    hole = advice.HOLE
    assert advice.hole_kinds(f"SELECT * FROM t WHERE a = '{hole}'") == {"value"}
    assert advice.hole_kinds(f"SELECT * FROM t WHERE id IN ({hole})") == {"value"}
    assert advice.hole_kinds(f'SELECT * FROM "{hole}" LIMIT 1') == {"identifier"}
    assert advice.hole_kinds(f"DELETE FROM {hole}.{hole}") == {"identifier"}
    assert advice.hole_kinds(f"SELECT 1 {hole}") == {None}


def test_imported_template_at_an_unknown_receiver_is_not_guessed():
    assert not _messages(
        """
        from .queries import FIND

        def run(db, name):
            db.execute(FIND.format(name))
        """
    )


def test_request_input_is_the_origin_models_notion():
    """BL301 asks `origin_request` what client input is: the same reads BL310/BL313 see."""
    found = _messages(
        """
        import sqlite3
        from fastapi import FastAPI, Request
        from flask import request as flask_request

        app = FastAPI()

        @app.get("/items/{slug}")
        def item(slug: str, db=None):
            sqlite3.connect("db").execute(f"SELECT * FROM t WHERE slug = '{slug}'")

        @app.post("/search")
        async def search(request: Request):
            body = await request.json()
            sqlite3.connect("db").execute(f"SELECT * FROM t WHERE q = '{body['q']}'")

        def flask_search():
            payload = flask_request.get_json()
            sqlite3.connect("db").execute("SELECT * FROM t WHERE q = '%s'" % payload["q"])

        def resolver(info):
            q = info.context.request.GET["q"]
            sqlite3.connect("db").execute(f"SELECT * FROM t WHERE q = '{q}'")

        def other(info):
            q = info.context.cache.GET["q"]
            sqlite3.connect("db").execute(f"SELECT * FROM t WHERE q = '{q}'")
        """,
        path="app/main.py",
    )
    messages = dict(found)
    assert "request-handler parameter of `item`" in messages[10]
    for line in (15, 19, 23):
        assert "(request input, line" in messages[line], messages[line]
        assert "whoever controls that value" in messages[line]
    # not a request: still reported (unknown origin), but not called client input
    assert "request input" not in messages[27]
