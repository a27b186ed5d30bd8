"""The engine's ``text_filter`` hook: a rule whose own pre-check of the file's text fails is not
instantiated, so none of its handlers runs; where it holds, the rule runs as before."""
from __future__ import annotations

from backlint.rules.security.exception_details_in_response import ExceptionDetailsInResponse
from backlint.rules.security.secret_in_log import SecretInLog
from backlint.rules.security.unparameterized_sql import UnparameterizedSql

from conftest import lint_counting_instances


_instantiated = lint_counting_instances


def test_idle_origin_rule_is_not_instantiated(monkeypatch):
    # `log` passes BL311's markers, but no secret-bearing word is in the file
    made, found = _instantiated(monkeypatch, SecretInLog, """
        import logging
        log = logging.getLogger(__name__)

        def show(request):
            log.info("shown %s", request.path)
    """)
    assert made == [] and found == []


def test_origin_rule_with_its_words_runs(monkeypatch):
    made, found = _instantiated(monkeypatch, SecretInLog, """
        import logging
        log = logging.getLogger(__name__)

        def login(request):
            password = request.POST["password"]
            log.info("login with %s", password)
    """)
    assert made and len(found) == 1


def test_reexport_shim_still_instantiates_bl312(monkeypatch):
    # an idle BL312 file that re-exports a package exports that fact to the project pass
    made, found = _instantiated(monkeypatch, ExceptionDetailsInResponse, """
        from companion.schema.image import *
    """, path="app/schema/image.py")
    assert made and found == []


def test_sql_rule_without_a_sink_call_is_not_instantiated(monkeypatch):
    made, found = _instantiated(monkeypatch, UnparameterizedSql, """
        def describe(name):
            query = f"SELECT * FROM t WHERE name = '{name}'"
            return query.strip()
    """)
    assert made == [] and found == []


def test_sql_rule_with_a_sink_call_runs(monkeypatch):
    made, found = _instantiated(monkeypatch, UnparameterizedSql, """
        def describe(cursor, name):
            cursor.execute(f"SELECT * FROM t WHERE name = '{name}'")
    """)
    assert made and len(found) == 1


def test_secret_words_without_a_log_call_skip_bl311(monkeypatch):
    made, _ = _instantiated(monkeypatch, SecretInLog, """
        from catalog import blog

        def login(request):
            password = request.POST["password"]
            return blog.check(password)
    """)
    assert made == []


def test_log_call_split_over_lines_still_runs_bl311(monkeypatch):
    made, found = _instantiated(monkeypatch, SecretInLog, """
        import logging
        logger = logging.getLogger(__name__)

        def login(request):
            password = request.POST["password"]
            logger \\
                .info("login with %s", password)
    """)
    assert made and len(found) == 1


def test_except_without_a_bound_name_skips_bl312(monkeypatch):
    made, _ = _instantiated(monkeypatch, ExceptionDetailsInResponse, """
        from django.http import JsonResponse

        def view(request):
            try:
                value = int(request.GET["n"])
            except ValueError:
                value = 0
            return JsonResponse({"n": value})
    """)
    assert made == []


def test_except_tuple_over_lines_still_runs_bl312(monkeypatch):
    made, found = _instantiated(monkeypatch, ExceptionDetailsInResponse, """
        from django.http import JsonResponse

        def view(request):
            try:
                value = load(request.GET["n"])
            except (KeyError,
                    OSError) as exc:
                return JsonResponse({"error": str(exc)}, status=500)
            return JsonResponse({"n": value})
    """)
    assert made and len(found) == 1
