"""File roles (backlint/frameworks/roles.py): what a module is, why, and which rules skip it."""
from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner

from backlint.cli import main
from backlint.frameworks.roles import RoleClassifier, heuristic_roles

from conftest import make_settings
from backlint.runner import check


@pytest.mark.parametrize(
    "path,role",
    [
        ("app/tests.py", "test"),
        ("app/test.py", "test"),
        ("app/test_views.py", "test"),
        ("app/views_test.py", "test"),
        ("app/conftest.py", "test"),
        ("app/tests/helpers.py", "test"),
        ("app/test/helpers.py", "test"),
        ("pkg/testing/factories.py", "test"),
        ("blog/migrations/0001_initial.py", "migration"),
        ("db/alembic/versions/abc123_add.py", "migration"),
        ("server/database/_migrations/versions/postgresql/2024_x.py", "migration"),
        ("ipam/utils/migrations.py", "migration"),
        ("core/migration_helpers.py", "migration"),
        ("proj/settings.py", "settings"),
        ("proj/settings/production.py", "settings"),
        ("proj/local_settings.py", "settings"),
        ("app/management/commands/import_users.py", "script"),
        ("app/management/utils.py", "script"),
        ("scripts/backfill.py", "script"),
        ("manage.py", "script"),
        ("pkg/__main__.py", "script"),
        ("app/factories.py", "seed"),
        ("app/seed_data.py", "seed"),
        ("app/sample_data/load.py", "seed"),
        ("examples/shop/app.py", "example"),
        ("docs/snippets/views.py", "example"),
        ("airflow/example_dags/tutorial.py", "example"),
        (".semgrep/rules/bad.py", "tool-fixture"),
        ("pkg/testdata/case.py", "tool-fixture"),
        ("app/views.py", "handler"),
        ("app/api/orders.py", "handler"),
        ("app/services.py", "service"),
        ("app/services/billing.py", "service"),
        ("app/repositories/users.py", "repository"),
    ],
)
def test_heuristic_roles(path: str, role: str) -> None:
    assert role in heuristic_roles(path)


@pytest.mark.parametrize(
    "path,role",
    [
        # near-misses a naive substring match would classify
        ("app/latest.py", "test"),
        ("app/contest.py", "test"),
        ("app/attestation/views.py", "test"),
        ("app/models/migration_plan.py", "migration"),
        ("app/migration.py", "migration"),
        ("app/migrate.py", "migration"),
        ("app/views/migrations_view.py", "migration"),
        ("app/service_area/models.py", "service"),
        ("app/examples_api.py", "example"),
        ("app/views.py", "test"),
        ("blog/migrations/__init__.py", "migration"),
        ("app/management/__init__.py", "script"),
        ("app/management_views.py", "script"),
        ("app/management/api/views.py", "script"),
    ],
)
def test_heuristic_near_misses(path: str, role: str) -> None:
    assert role not in heuristic_roles(path)


def test_every_role_has_a_reason() -> None:
    roles = RoleClassifier("/repo").classify("/repo/app/tests/test_views.py")
    assert roles.has("test")
    assert "test_views.py" in roles.describe()


def test_named_example_directory_is_application_code() -> None:
    assert "example" in RoleClassifier("/repo").classify("/repo/examples/shop/app.py").roles
    named = RoleClassifier("/repo", named_dirs=["/repo/examples"])
    assert "example" not in named.classify("/repo/examples/shop/app.py").roles
    named = RoleClassifier("/repo", named_dirs=["/repo/examples/shop"])
    assert "example" not in named.classify("/repo/examples/shop/app.py").roles


def test_overrides_replace_the_heuristics() -> None:
    c = RoleClassifier("/repo", overrides=[("qa/**", ["test"]), ("app/tests_api.py", [])])
    assert c.classify("/repo/qa/smoke.py").roles == {"test"}
    assert c.classify("/repo/app/tests_api.py").roles == frozenset()
    assert "[tool.backlint.roles]" in c.classify("/repo/qa/smoke.py").describe()


N_PLUS_ONE = textwrap.dedent(
    """
    from shop.models import Order

    def report():
        for order in Order.objects.all():
            print(order.customer.name)
    """
)
MODELS = textwrap.dedent(
    """
    from django.db import models

    class Customer(models.Model):
        name = models.CharField(max_length=10)

    class Order(models.Model):
        customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    """
)


def _project(tmp_path, rel: str):
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "models.py").write_text(MODELS)
    target = tmp_path / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(N_PLUS_ONE)
    return target


@pytest.mark.parametrize("rel,fires", [
    ("shop/reports.py", True),
    ("shop/tests/test_reports.py", False),
    ("shop/management/commands/report.py", False),
    ("shop/management/utils.py", False),
    ("shop/migrations/0002_data.py", False),
    ("scripts/report.py", False),
])
def test_request_path_rules_skip_non_request_code(tmp_path, monkeypatch, rel, fires) -> None:
    _project(tmp_path, rel)
    monkeypatch.chdir(tmp_path)
    run = check(["."], make_settings(["BL202"], root=str(tmp_path)), jobs=1)
    got = [f for f in run.findings if f.code == "BL202"]
    assert bool(got) is fires, [f.message for f in got]


def test_roles_config_turns_a_test_directory_into_application_code(tmp_path, monkeypatch) -> None:
    _project(tmp_path, "shop/tests/reports.py")
    (tmp_path / "pyproject.toml").write_text('[tool.backlint]\nselect = ["BL202"]\n'
                                             '[tool.backlint.roles]\n"shop/tests/reports.py" = []\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "."])
    assert result.exit_code == 1, result.output
    assert "BL202" in result.output


def test_unknown_role_in_config_is_a_config_error(tmp_path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.backlint.roles]\n"qa/**" = ["tests"]\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "."])
    assert result.exit_code == 2
    assert "unknown role 'tests'; did you mean 'test'?" in result.output


def test_show_roles(tmp_path, monkeypatch) -> None:
    _project(tmp_path, "shop/tests/test_reports.py")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--show-roles", "."])
    assert result.exit_code == 0, result.output
    line = next(l for l in result.output.splitlines() if l.startswith("shop/tests/test_reports.py"))
    assert "test (file name `test_reports.py`)" in line
    assert "skips" in line and "BL202" in line
    assert "shop/models.py: no special role" in result.output
