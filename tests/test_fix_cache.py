"""--fix and --diff answer files with nothing to fix from the results cache."""
from __future__ import annotations

from click.testing import CliRunner

from backlint.cli import main
from backlint.runner import check

from conftest import make_settings

FIXABLE = "import requests\n\ndef a():\n    return requests.get('https://x.org')\n"
NOT_FIXABLE = 'STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"\n'  # its fix is unsafe: not applied without --unsafe-fixes
CLEAN = "x = 1\n"


def test_diff_and_fix_recheck_only_files_with_fixes(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fixable.py").write_text(FIXABLE)
    (tmp_path / "clean.py").write_text(CLEAN)
    (tmp_path / "other.py").write_text(NOT_FIXABLE)
    settings = make_settings(["BL401", "BL302"], root=str(tmp_path))
    cold = check(["."], settings, jobs=1, cache=True)
    assert cold.cache_hits == 0 and len(cold.findings) == 2
    diff = check(["."], settings, jobs=1, cache=True, diff=True)
    assert diff.cache_hits == 2, "only the file with a fix is checked again"
    plain = check(["."], settings, jobs=1, cache=False, diff=True)
    assert diff.diffs == plain.diffs and len(diff.diffs) == 1
    assert sorted((f.path, f.start_line) for f in diff.findings) == sorted((f.path, f.start_line) for f in plain.findings)
    fixed = check(["."], settings, jobs=1, cache=True, fix=True)
    assert fixed.cache_hits == 2 and fixed.fixes_applied == 1
    assert "timeout=10" in (tmp_path / "fixable.py").read_text()
    after = check(["."], settings, jobs=1, cache=True)
    assert [f.path for f in after.findings] == ["other.py"], "the fixed file is checked again, not taken from the cache"


def test_cli_diff_uses_the_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clean.py").write_text(CLEAN)
    (tmp_path / "fixable.py").write_text(FIXABLE)
    runner = CliRunner()
    runner.invoke(main, ["check", "--isolated", "--select", "BL401", "."])
    result = runner.invoke(main, ["check", "--isolated", "--select", "BL401", "--diff", "."])
    assert result.exit_code == 1 and "+    return requests.get('https://x.org', timeout=10)" in result.output
