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
