"""[tool.backlint.frameworks]: a project's own HTTP clients, DB sessions and route decorators."""
from __future__ import annotations

from click.testing import CliRunner

from backlint import config as config_mod
from backlint.cli import main
from backlint.frameworks import declared


def test_declarations_are_loaded_and_matched(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.backlint.frameworks]\nhttp-clients = ["acme.http"]\ndb-sessions = ["acme.db.get_session"]\n'
        'route-decorators = ["acme.api.endpoint"]\n')
    settings = config_mod.load([str(tmp_path)])
    declared.use(settings.frameworks)
    try:
        assert declared.is_http_client("acme.http.get") and declared.is_http_client("acme.http")
        assert not declared.is_http_client("acme.httpx.get"), "a prefix matches whole name parts only"
        assert declared.is_db_session("acme.db.get_session().query")
        assert declared.is_route_decorator("acme.api.endpoint")
        assert not declared.is_route_decorator(None)
    finally:
        declared.use({})


def test_bad_declarations_are_config_errors(tmp_path, monkeypatch) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.backlint.frameworks]\nhttp-client = ["acme.http"]\n')
    typo = CliRunner().invoke(main, ["check", "."])
    assert typo.exit_code == 2 and "did you mean 'http-clients'" in typo.output
    (tmp_path / "pyproject.toml").write_text('[tool.backlint.frameworks]\nhttp-clients = "acme.http"\n')
    kind = CliRunner().invoke(main, ["check", "."])
    assert kind.exit_code == 2 and "must be a list of qualified names" in kind.output


def _project(tmp_path, monkeypatch, declarations: str, files: dict):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.backlint]\nselect = ["BL103", "BL104"]\n[tool.backlint.frameworks]\n' + declarations)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)


VIEWS = '''from flask import Flask
from acme import http
from acme.db import begin

app = Flask(__name__)


@app.post("/orders")
def create_order():
    tx = begin()
    tx.add(object())
    tx.commit()
    http.post("billing", "/charge")
    return {"ok": True}
'''


def test_declared_http_clients_and_db_sessions_are_seen_by_the_handler_rules(tmp_path, monkeypatch) -> None:
    _project(tmp_path, monkeypatch, "", {"app/views.py": VIEWS})
    plain = CliRunner().invoke(main, ["check", "--no-cache", "."])
    assert "BL103" not in plain.output and "BL104" not in plain.output, plain.output
    _project(tmp_path, monkeypatch, 'http-clients = ["acme.http"]\ndb-sessions = ["acme.db.begin"]\n',
             {"app/views.py": VIEWS})
    declared_run = CliRunner().invoke(main, ["check", "--no-cache", "."])
    assert "BL103" in declared_run.output and "`tx.add()`" in declared_run.output, declared_run.output
    assert "BL104" in declared_run.output and "http.post" in declared_run.output, declared_run.output


ROUTES = '''from acme.api import endpoint


@endpoint("/getInvoices", methods=["GET"])
def invoices():
    return []
'''


def test_declared_route_decorators_register_routes(tmp_path, monkeypatch) -> None:
    _project(tmp_path, monkeypatch, 'route-decorators = ["acme.api.endpoint"]\n', {"app/api.py": ROUTES})
    table = CliRunner().invoke(main, ["routes", "."])
    assert "GET" in table.output and "/getInvoices" in table.output and "invoices" in table.output, table.output
    (tmp_path / "pyproject.toml").write_text('[tool.backlint]\nselect = ["BL101"]\n')
    without = CliRunner().invoke(main, ["routes", "."])
    assert "/getInvoices" not in without.output
