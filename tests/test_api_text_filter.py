"""BL102's text pre-check: a file without a write-shaped method call is not walked for the rule;
where one is written (however the attribute is spread over lines), the rule runs as before."""
from __future__ import annotations


from backlint.frameworks import persistence
from backlint.rules.api.get_handler_writes import WRITE_METHOD_NAMES, GetHandlerWrites

from conftest import lint_counting_instances


def _instantiated(monkeypatch, source, path="app/views.py"):
    return lint_counting_instances(monkeypatch, GetHandlerWrites, source, path)


def test_read_only_handler_file_is_not_instantiated(monkeypatch):
    made, found = _instantiated(monkeypatch, """
        from flask import Flask
        from app.models import Page

        app = Flask(__name__)

        @app.get("/pages/<int:page_id>")
        def show_page(page_id):
            page = Page.query.get(page_id)  # saved pages are shown; deleted ones are not
            return {"id": page.id, "title": page.title}
    """)
    assert made == [] and found == []


def test_write_spread_over_lines_still_runs(monkeypatch):
    made, found = _instantiated(monkeypatch, """
        from flask import Flask
        from app.db import db
        from app.models import Visit

        app = Flask(__name__)

        @app.get("/pages/<int:page_id>")
        def show_page(page_id):
            (db.session.
                # the visit is recorded
                add(Visit(page_id=page_id)))
            db.session . \\
                commit()
            return {"id": page_id}
    """)
    assert made and len(found) == 1


def test_every_write_method_passes_and_reads_do_not():
    for name in WRITE_METHOD_NAMES:
        assert GetHandlerWrites.text_filter(f"x = obj.{name}(1)\n"), name
    for text in ("obj.saved()", "save(obj)", "obj.get(1)", "Model.objects.filter(a=1).first()",
                 "session.query(User).all()", "obj.update_count()", "text = '. ' + '#' * 9\n"):
        assert not GetHandlerWrites.text_filter(text), text


def test_write_names_cover_persistence_tables():
    tables = (persistence.SESSION_WRITES | persistence.SESSION_COMMITS | persistence.MANAGER_WRITES
              | persistence.MONGO_WRITES | persistence.RELATED_QUERYSET_WRITES
              | persistence.RELATED_MANAGER_WRITES | persistence.ASYNC_DRIVER_EXECUTES)
    assert tables <= WRITE_METHOD_NAMES
    assert {"save", "asave", "delete", "adelete", "execute", "exec", "executemany", "executescript"} \
        <= WRITE_METHOD_NAMES
