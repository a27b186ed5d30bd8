"""[tool.backlint] discovery and validation: every mistake is exit 2 naming file, key and fix."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from backlint.cli import main

BAD = "import requests\nrequests.get('https://x')\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(BAD)
    return tmp_path


def run(*args):
    return CliRunner().invoke(main, ["check", *args])


def write_pyproject(root: Path, body: str) -> None:
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.backlint]\n" + body)


@pytest.mark.parametrize(
    "body,expected",
    [
        ("selec = ['BL4']\n", "unknown key 'selec' in [tool.backlint]; did you mean 'select'?"),
        ("select = 'BL401'\n", "'select' must be a list of strings"),
        ("select = ['BL4O1']\n", "'select' names unknown rule 'BL4O1'; did you mean 'BL401'?"),
        ("ignore = ['missing-timout']\n", "did you mean 'missing-timeout'?"),
        ("respect-gitignore = 'yes'\n", "'respect-gitignore' must be true or false"),
        ("output-format = 'jsn'\n", "did you mean 'json'?"),
        ("extend-exclude = ['build/[abc']\n", "'extend-exclude' has an invalid glob 'build/[abc'"),
        ("[tool.backlint.per-file-ignores]\n'tests/**' = ['BL9']\n", "unknown rule 'BL9'"),
        ("[tool.backlint.missing-timeout]\ndefualt = 5\n", "unknown option 'defualt' in [tool.backlint.missing-timeout]; did you mean 'default'?"),
        ("[tool.backlint.missing-timeout]\ndefault = 'ten'\n", "'default' must be integer or number, got 'ten'"),
        ("[tool.backlint.missing-timeout]\ndefault = true\n", "'default' must be integer or number, got True"),
        ("[tool.backlint.missing-timeout]\ndefault = -1\n", "'default' must be greater than 0, got -1"),
        ("[tool.backlint.BL401]\ndefault = 5\n", "options are keyed by rule name: use [tool.backlint.missing-timeout]"),
        ("[tool.backlint.missing-timeouts]\ndefault = 5\n", "unknown rule 'missing-timeouts'"),
    ],
)
def test_config_errors_exit_2_with_file_key_and_hint(project, body, expected):
    write_pyproject(project, body)
    result = run("pkg")
    assert result.exit_code == 2, result.output
    assert "pyproject.toml" in result.output
    assert expected in result.output
    assert "Traceback" not in result.output


def test_broken_toml_reports_line_and_column(project):
    (project / "pyproject.toml").write_text("[tool.backlint]\nselect = [\"BL4\"\nignore = []\n")
    result = run("pkg")
    assert result.exit_code == 2
    assert "invalid TOML" in result.output and "line 3" in result.output and "column" in result.output


def test_nearest_config_is_found_walking_up(project):
    write_pyproject(project, "ignore = ['BL401']\n")
    (project / "pkg" / "sub").mkdir()
    (project / "pkg" / "sub" / "b.py").write_text(BAD)
    assert run("pkg/sub").exit_code == 0
    assert run("--isolated", "pkg/sub").exit_code == 1


def test_pyproject_without_backlint_table_is_skipped(project):
    write_pyproject(project, "ignore = ['BL401']\n")
    (project / "pkg" / "pyproject.toml").write_text("[project]\nname = 'inner'\n")
    assert run("pkg").exit_code == 0  # the inner pyproject has no [tool.backlint]


def test_backlint_toml_wins_in_the_same_directory(project):
    write_pyproject(project, "select = ['BL0']\n")
    (project / "backlint.toml").write_text("select = ['BL4']\n")
    assert run("pkg").exit_code == 1
    (project / "backlint.toml").write_text("selec = ['BL4']\n")
    result = run("pkg")
    assert result.exit_code == 2 and "backlint.toml: unknown key 'selec' in top level" in result.output


def test_explicit_config_file(project):
    (project / "custom.toml").write_text("ignore = ['BL4']\n")
    assert run("--config", "custom.toml", "pkg").exit_code == 0
    missing = run("--config", "nope.toml", "pkg")
    assert missing.exit_code == 2 and "nope.toml: configuration file not found" in missing.output


def test_per_file_ignores(project):
    write_pyproject(project, "[tool.backlint.per-file-ignores]\n'pkg/**' = ['BL4']\n")
    assert run("pkg").exit_code == 0
    (project / "other.py").write_text(BAD)
    assert run("other.py").exit_code == 1


def test_rule_options_reach_the_rule(project):
    write_pyproject(project, "[tool.backlint.missing-timeout]\ndefault = 7\n")
    result = run("pkg")
    assert "pass `timeout=7`" in result.output


def test_select_prefix_all_and_command_line_overrides_config(project):
    write_pyproject(project, "select = ['BL0']\n")
    assert run("pkg").exit_code == 0
    assert run("--select", "ALL", "pkg").exit_code == 1
    assert run("--extend-select", "BL401", "pkg").exit_code == 1
