"""Selecting rules: codes, the BL prefix, code prefixes, names, categories, tags, ALL."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from backlint import registry
from backlint.cli import main


def test_bl_prefix_selects_every_backlint_rule() -> None:
    assert registry.matching("BL") == list(registry.all_rules())
    assert registry.matching("bl") == list(registry.all_rules())


def test_category_and_tag_select_their_rules() -> None:
    migration = registry.matching("unsafe-migration")
    assert migration and all(registry.all_rules()[c].category == "unsafe-migration" for c in migration)
    assert set(registry.matching("n-plus-one")) >= {"BL201", "BL202"}
    security = registry.matching("security")
    assert {"BL301", "BL302"} <= set(security)


@pytest.mark.parametrize("selector", ["BLX", "BL9999", "unsafe-migrations-x", "BL1a"])
def test_unknown_selectors_are_rejected(selector) -> None:
    assert registry.matching(selector) == []


def test_readme_example_select_bl_is_accepted(tmp_path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.backlint]\nselect = ["BL"]\nignore = ["BL001"]\n')
    (tmp_path / "a.py").write_text("import requests\nrequests.get('https://x.org')\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "."])
    assert result.exit_code == 1, result.output
    assert "BL401" in result.output
    ok = CliRunner().invoke(main, ["check", "--no-cache", "--select", "BL", "--ignore", "BL", "."])
    assert ok.exit_code == 0, ok.output


def test_command_line_category_selection(tmp_path, monkeypatch) -> None:
    (tmp_path / "a.py").write_text("import requests\nrequests.get('https://x.org')\n")
    monkeypatch.chdir(tmp_path)
    none = CliRunner().invoke(main, ["check", "--isolated", "--no-cache", "--select", "unsafe-migration", "."])
    assert none.exit_code == 0, none.output
    some = CliRunner().invoke(main, ["check", "--isolated", "--no-cache", "--select", "missing-timeout", "."])
    assert some.exit_code == 1 and "BL401" in some.output


def test_a_near_code_gets_no_misleading_suggestion(tmp_path, monkeypatch) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--isolated", "--select", "BLX", "."])
    assert result.exit_code == 2
    assert "did you mean" not in result.output
    assert "unknown rule 'BLX'" in result.output


def test_config_option_with_a_tool_backlint_table_in_any_file(tmp_path, monkeypatch) -> None:
    (tmp_path / "ci.toml").write_text('[tool.backlint]\nselect = ["BL401"]\n')
    (tmp_path / "a.py").write_text("import requests\nrequests.get('https://x.org')\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "--config", "ci.toml", "."])
    assert result.exit_code == 1, result.output
    assert "BL401" in result.output


def test_errors_name_tables_as_the_file_spells_them(tmp_path, monkeypatch) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "backlint.toml").write_text('[missing-timeout]\ndefualt = 3\n')
    monkeypatch.chdir(tmp_path)
    flat = CliRunner().invoke(main, ["check", "."])
    assert flat.exit_code == 2
    assert "in [missing-timeout]" in flat.output and "tool.backlint" not in flat.output
    (tmp_path / "backlint.toml").unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.backlint.missing-timeout]\ndefualt = 3\n')
    nested = CliRunner().invoke(main, ["check", "."])
    assert nested.exit_code == 2 and "in [tool.backlint.missing-timeout]" in nested.output


def test_options_shared_by_a_category_are_set_once(tmp_path, monkeypatch) -> None:
    from backlint import config as config_mod

    (tmp_path / "pyproject.toml").write_text(
        '[tool.backlint.unsafe-migration]\ndatabase = "mysql"\n'
        '[tool.backlint.drop-column-or-table]\ndatabase = "postgresql"\n')
    settings = config_mod.load([str(tmp_path)])
    family = [c for c, r in registry.all_rules().items() if r.category == "unsafe-migration" and "database" in r.options]
    assert len(family) >= 2
    for code in family:
        want = "postgresql" if registry.all_rules()[code].name == "drop-column-or-table" else "mysql"
        assert settings.options_for(code)["database"] == want, code
    (tmp_path / "pyproject.toml").write_text('[tool.backlint.unsafe-migration]\ndatabse = "mysql"\n')
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text("x = 1\n")
    bad = CliRunner().invoke(main, ["check", "."])
    assert bad.exit_code == 2 and "unknown option 'databse' in [tool.backlint.unsafe-migration]" in bad.output
    assert "did you mean 'database'" in bad.output
