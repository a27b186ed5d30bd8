"""N+1 rules (BL201, BL202): the findings are real.

The functions in tests/nplusone_apps/ are linted as a project (models and loops in different
modules) and then run against in-memory SQLite with N and 2N rows: wherever backlint reports
an N+1 the number of queries grows with N, wherever it stays silent the number is flat.
"""
from __future__ import annotations

import ast
import importlib
import os
import sys
from pathlib import Path
from typing import Dict, Set

import pytest

from backlint.runner import check

from conftest import FIXTURES, expected_markers, lint_source, make_settings

APPS = Path(__file__).parent / "nplusone_apps"
CODES = ("BL201", "BL202")


def flagged_functions(relpath: str) -> Dict[str, Set[str]]:
    """function name -> codes backlint reports inside it (project run over nplusone_apps/)."""
    cwd = os.getcwd()
    os.chdir(APPS.parent)
    try:
        run = check(["nplusone_apps"], make_settings(list(CODES), root=str(APPS.parent)), jobs=1)
    finally:
        os.chdir(cwd)
    assert not run.errors, run.errors
    tree = ast.parse((APPS.parent / relpath).read_text())
    spans = {n.name: (n.lineno, n.end_lineno) for n in tree.body if isinstance(n, ast.FunctionDef)}
    out: Dict[str, Set[str]] = {name: set() for name in spans}
    for f in run.findings:
        if f.path != relpath:
            continue
        for name, (lo, hi) in spans.items():
            if lo <= f.start_line <= hi:
                out[name].add(f.code)
    return out


# -- Django -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def django_db():
    django = pytest.importorskip("django")
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=True,
            INSTALLED_APPS=["nplusone_apps.djshop"],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            DEFAULT_AUTO_FIELD="django.db.models.AutoField",
            USE_TZ=True,
        )
        django.setup()
    from django.db import connection

    from nplusone_apps.djshop import models

    with connection.schema_editor() as editor:
        for model in (models.Client, models.Label, models.Invoice):
            editor.create_model(model)
    return models


def _django_seed(models, n: int):
    models.Invoice.labels.through.objects.all().delete()
    models.Invoice.objects.all().delete()
    models.Label.objects.all().delete()
    models.Client.objects.all().delete()
    labels = [models.Label.objects.create(text=f"l{i}") for i in range(3)]
    ids = []
    for i in range(n):
        client = models.Client.objects.create(name=f"c{i}")
        invoice = models.Invoice.objects.create(client=client, amount=i)
        invoice.labels.set(labels[:2])
        ids.append(client.id)
    return ids


DJANGO_CASES = {
    # function -> (expected code or None, needs ids)
    "client_names_lazy": ("BL202", False),
    "client_names_joined": (None, False),
    "client_ids_only": (None, False),
    "label_texts_lazy": ("BL202", False),
    "label_texts_prefetched": (None, False),
    "clients_by_id_each": ("BL201", True),
    "clients_by_id_bulk": (None, True),
    "invoice_counts_each": ("BL201", False),
    "invoice_counts_annotated": (None, False),
    "amounts_each": ("BL201", "invoices"),
    "amount_rows": (None, False),
    "descriptions_lazy": ("BL202", False),
    "descriptions_joined": (None, False),
}


def test_django_query_counts_follow_findings(django_db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from nplusone_apps.djshop import reports

    flagged = flagged_functions("nplusone_apps/djshop/reports.py")
    counts = {}
    for n in (3, 6):
        ids = _django_seed(django_db, n)
        invoice_ids = list(django_db.Invoice.objects.values_list("id", flat=True))
        for name, (_, needs) in DJANGO_CASES.items():
            args = (invoice_ids,) if needs == "invoices" else ((ids,) if needs else ())
            with CaptureQueriesContext(connection) as ctx:
                getattr(reports, name)(*args)
            counts.setdefault(name, []).append(len(ctx.captured_queries))
    for name, (code, _) in DJANGO_CASES.items():
        small, large = counts[name]
        if code:
            assert code in flagged[name], f"{name}: backlint should report {code}"
            assert large > small, f"{name}: flagged but queries did not grow ({small} -> {large})"
        else:
            assert not flagged[name], f"{name}: unexpected {flagged[name]}"
            assert large == small, f"{name}: silent but queries grew ({small} -> {large})"


# -- SQLAlchemy -------------------------------------------------------------------------------------

SA_CASES = {
    "article_counts_lazy": ("BL202", False),
    "article_counts_selectin": (None, False),
    "writer_names_lazy": ("BL202", False),
    "writer_names_joined": (None, False),
    "note_counts_declared_eager": (None, False),
    "writers_each": ("BL201", True),
    "writers_in_one_query": (None, True),
    "legacy_query_each": ("BL201", True),
}


def test_sqlalchemy_query_counts_follow_findings():
    sqlalchemy = pytest.importorskip("sqlalchemy")
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    sa_shop = importlib.import_module("nplusone_apps.sa_shop")
    flagged = flagged_functions("nplusone_apps/sa_shop.py")
    counts: Dict[str, list] = {}
    for n in (3, 6):
        engine = sqlalchemy.create_engine("sqlite://")
        sa_shop.Base.metadata.create_all(engine)
        with Session(engine) as session:
            for i in range(n):
                writer = sa_shop.Writer(name=f"w{i}")
                session.add(writer)
                session.add(sa_shop.Article(writer=writer, notes=[sa_shop.Note(), sa_shop.Note()]))
            session.commit()
            ids = [w.id for w in session.scalars(sqlalchemy.select(sa_shop.Writer))]
        statements = []
        event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
        for name, (_, needs) in SA_CASES.items():
            with Session(engine) as session:
                before = len(statements)
                getattr(sa_shop, name)(session, *((ids,) if needs else ()))
                counts.setdefault(name, []).append(len(statements) - before)
        engine.dispose()
    for name, (code, _) in SA_CASES.items():
        small, large = counts[name]
        if code:
            assert code in flagged[name], f"{name}: backlint should report {code}"
            assert large > small, f"{name}: flagged but queries did not grow ({small} -> {large})"
        else:
            assert not flagged[name], f"{name}: unexpected {flagged[name]}"
            assert large == small, f"{name}: silent but queries grew ({small} -> {large})"


# -- fixtures inventory, examples, messages ----------------------------------------------------------

def _labelled(code: str):
    fire = ok = 0
    for path in (FIXTURES / code).rglob("*.py"):
        fire += sum(1 for _, c in expected_markers(path) if c == code)
        ok += sum(1 for line in path.read_text().splitlines() if line.rstrip().endswith("# ok"))
    return fire, ok


def test_enough_labelled_fixture_lines():
    fire = ok = 0
    for code in CODES:
        f, o = _labelled(code)
        assert f >= 15 and o >= 15, (code, f, o)
        fire += f
        ok += o
    assert fire >= 60 and ok >= 60, (fire, ok)


def test_examples_report_the_n_plus_one_loops(monkeypatch):
    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(root)
    run = check(["examples"], make_settings(list(CODES), root=str(root)), jobs=1)
    assert not run.errors
    got = {(f.path, f.code) for f in run.findings}
    assert ("examples/blog/blog/views.py", "BL202") in got
    assert ("examples/shop/app/services/orders.py", "BL202") in got
    lines = {(f.path, f.start_line) for f in run.findings}
    blog = (root / "examples/blog/blog/views.py").read_text().splitlines()
    shop = (root / "examples/shop/app/services/orders.py").read_text().splitlines()
    for path, text in (("examples/blog/blog/views.py", blog), ("examples/shop/app/services/orders.py", shop)):
        for number, line in enumerate(text, start=1):
            if (path, number) in lines:
                assert "post_feed" not in line and "selectinload" not in line
    flagged_funcs = set()
    for path, number in lines:
        text = blog if path.endswith("views.py") else shop
        for back in range(number - 1, -1, -1):
            if text[back].startswith("def "):
                flagged_funcs.add(text[back].split("(")[0][4:])
                break
    assert flagged_funcs == {"post_list", "export_customer_emails"}


def test_message_names_the_fix():
    source = '''
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Mapped, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    posts: Mapped[list["Post"]] = relationship()


def titles(session):
    return [len(u.posts) for u in session.scalars(select(User))]
'''
    result = lint_source(source, ["BL202"])
    [finding] = result.findings
    assert ".options(selectinload(User.posts))" in finding.message
    assert "select(User)" in finding.message


def test_suppression_applies_to_project_findings(tmp_path, monkeypatch):
    (tmp_path / "models.py").write_text(
        "from django.db import models\n\n\nclass A(models.Model):\n    pass\n\n\n"
        "class B(models.Model):\n    a = models.ForeignKey(A, on_delete=models.CASCADE)\n"
    )
    (tmp_path / "views.py").write_text(
        "from models import B\n\n\ndef f():\n    for b in B.objects.all():\n"
        "        print(b.a)  # backlint: ignore[BL202]\n    for b in B.objects.all():\n        print(b.a)\n"
    )
    monkeypatch.chdir(tmp_path)
    run = check(["."], make_settings(["BL202"], root=str(tmp_path)), jobs=1)
    assert [(f.path, f.start_line) for f in run.findings] == [("views.py", 8)]


def test_single_file_and_project_never_report_twice(monkeypatch):
    case = FIXTURES / "BL202" / "sqla_split"
    monkeypatch.chdir(case)
    run = check(["."], make_settings(list(CODES), root=str(case)), jobs=1)
    keys = [(f.path, f.start_line, f.start_column, f.code) for f in run.findings]
    assert len(keys) == len(set(keys))


def test_param_loop_precheck_sees_every_way_to_write_the_iterable():
    """`param_querysets.scan` walks only functions with a parameter that follows an `in` in the
    text; every spelling of `for row in <name>` libcst accepts must be in that set."""
    from backlint._lazy import cst
    from backlint.rules.orm.param_querysets import _ITERATED

    text = (
        "def f(orders, rows, items, für):\n"
        "    for o in orders: pass\n"
        "    for r in (  # a comment\n"
        "        rows): pass\n"
        "    for i in \\\n"
        "            items: pass\n"
        "    [x for x in für]\n"
    )
    module = cst.parse_module(text)  # the spellings are valid Python
    iters = [n.iter for n in module.body[0].body.body[:3]]
    assert all(isinstance(it, cst.Name) for it in iters)
    assert {"orders", "rows", "items", "für"} <= set(_ITERATED.findall(text))
