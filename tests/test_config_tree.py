"""Per-directory configuration: each file follows the configuration closest to it (as ruff does)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from backlint.cli import main

CODE = 'import requests\nrequests.get("https://x.org")\nTOKEN = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"\n'


@pytest.fixture
def mono(tmp_path, monkeypatch):
    """A monorepo: root config selects BL401; b/ extends it, adds BL302 and its own timeout option;
    c/ has a config of its own that excludes generated code and selects only BL302."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.backlint]\nselect = ["BL401"]\n')
    for d in ("a", "b/sub", "c/generated"):
        (tmp_path / d).mkdir(parents=True)
    (tmp_path / "b" / "backlint.toml").write_text(
        'extend = "../pyproject.toml"\nextend-select = ["BL302"]\n[missing-timeout]\ndefault = 3\n')
    (tmp_path / "c" / "pyproject.toml").write_text(
        '[tool.backlint]\nselect = ["BL302"]\nextend-exclude = ["generated"]\n')
    for rel in ("a/x.py", "b/y.py", "b/sub/z.py", "c/w.py", "c/generated/g.py"):
        (tmp_path / rel).write_text(CODE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _findings(*args):
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.output
    return sorted((f["path"], f["start_line"], f["code"], f["message"]) for f in json.loads(result.output)["findings"])


def test_order_of_paths_does_not_matter_and_equals_each_file_alone(mono) -> None:
    ab = _findings("a", "b", "c")
    ba = _findings("c", "b", "a")
    assert ab == ba
    alone = sorted(sum((_findings(p) for p in ("a/x.py", "b/y.py", "b/sub/z.py", "c/w.py")), []))
    assert ab == alone
    codes = {(p, c) for p, _, c, _ in ab}
    assert codes == {("a/x.py", "BL401"), ("b/y.py", "BL401"), ("b/y.py", "BL302"),
                     ("b/sub/z.py", "BL401"), ("b/sub/z.py", "BL302"), ("c/w.py", "BL302")}
    timeouts = {p: m for p, _, c, m in ab if c == "BL401"}
    assert "timeout=10" in timeouts["a/x.py"] and "timeout=3" in timeouts["b/y.py"]


def test_nested_config_excludes_apply_below_it(mono) -> None:
    assert not any(p.startswith("c/generated") for p, *_ in _findings("."))
    # a file named explicitly is still checked, as everywhere
    assert any(p == "c/generated/g.py" for p, *_ in _findings("c/generated/g.py"))


def test_same_result_with_workers_and_cache(mono) -> None:
    plain = _findings("a", "b", "c")
    assert _findings("-j", "2", "a", "b", "c") == plain
    runner = CliRunner()
    cold = runner.invoke(main, ["check", "--format", "json", "b", "a"]).output
    (mono / "b" / "backlint.toml").write_text('extend = "../pyproject.toml"\n')  # nested config changes
    warm = json.loads(runner.invoke(main, ["check", "--format", "json", "b", "a"]).output)["findings"]
    assert json.loads(cold)["findings"] != warm
    assert sorted((f["path"], f["code"]) for f in warm) == [("a/x.py", "BL401"), ("b/sub/z.py", "BL401"), ("b/y.py", "BL401")]


def test_command_line_overrides_apply_to_every_configuration(mono) -> None:
    only = _findings("--select", "BL302", "a", "b", "c")
    assert {c for _, _, c, _ in only} == {"BL302"}
    assert {p for p, *_ in only} == {"a/x.py", "b/y.py", "b/sub/z.py", "c/w.py"}


def test_show_settings_and_show_files_name_the_configuration(mono) -> None:
    runner = CliRunner()
    shown = runner.invoke(main, ["check", "--show-settings", "b/sub/z.py"])
    assert shown.exit_code == 0, shown.output
    assert f"configuration: {mono / 'b' / 'backlint.toml'}" in shown.output
    assert f"extends:       {mono / 'pyproject.toml'}" in shown.output
    assert "rules:         BL302, BL401" in shown.output
    files = runner.invoke(main, ["check", "--show-files", "."]).output.splitlines()
    assert f"a/x.py  [{mono / 'pyproject.toml'}]" in files
    assert f"c/w.py  [{mono / 'c' / 'pyproject.toml'}]" in files
    assert not any("generated" in line for line in files)


def test_config_option_and_isolated_turn_the_tree_off(mono) -> None:
    given = _findings("--config", "pyproject.toml", "b")
    assert {c for _, _, c, _ in given} == {"BL401"}
    isolated = _findings("--isolated", "--select", "BL302", "a")
    assert {c for _, _, c, _ in isolated} == {"BL302"}


def test_extend_errors(mono) -> None:
    (mono / "b" / "backlint.toml").write_text('extend = "backlint.toml"\n')
    cycle = CliRunner().invoke(main, ["check", "b"])
    assert cycle.exit_code == 2 and "cycle" in cycle.output
    (mono / "b" / "backlint.toml").write_text('extend = "../nope.toml"\n')
    missing = CliRunner().invoke(main, ["check", "b"])
    assert missing.exit_code == 2 and "does not exist" in missing.output
