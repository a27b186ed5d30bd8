"""docs/rules/ is generated from the rule classes and must never be stale."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from backlint import registry, rule_docs
from backlint.cli import main

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"
REGENERATE = "run `backlint rules --write-docs docs/rules` and commit the result"


def test_committed_rule_pages_match_the_rules() -> None:
    wanted = rule_docs.pages(registry.all_rules())
    present = {p.name for p in DOCS.glob("*.md")}
    assert present == set(wanted), f"pages missing or extra: {sorted(present ^ set(wanted))}; {REGENERATE}"
    stale = [name for name, text in wanted.items() if (DOCS / name).read_text(encoding="utf-8") != text]
    assert not stale, f"stale pages: {stale}; {REGENERATE}"


def test_every_page_has_the_docs_and_both_examples() -> None:
    for code, rule in registry.all_rules().items():
        text = rule_docs.page(rule)
        assert text.startswith(f"# {code} {rule.name}\n")
        if not rule.engine_emitted:
            assert "## Example" in text and "## Use instead" in text, code


def test_write_docs_command(tmp_path) -> None:
    (tmp_path / "BL999.md").write_text("old page of a removed rule")
    (tmp_path / "notes.md").write_text("kept")
    result = CliRunner().invoke(main, ["rules", "--write-docs", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "BL401.md").read_text().startswith("# BL401 missing-timeout")
    assert "[BL401](BL401.md)" in (tmp_path / "README.md").read_text()
    assert not (tmp_path / "BL999.md").exists() and (tmp_path / "notes.md").exists()
