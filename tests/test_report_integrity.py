"""Reports never damage messages: SARIF and GitHub output carry every message as the text output does.

Regression test for the redaction defect: secrets found anywhere in a run (test passwords such as
`first`) were masked inside every other message and path, so `.first()` became `.fir…()`.
"""
from __future__ import annotations

import io
import json

from click.testing import CliRunner

from backlint.cli import main
from backlint.findings import Finding, RunResult, Severity
from backlint.reporters import github, sarif


def _finding(code, category, path, line, message, snippet="code()", col=1, end_col=40):
    return Finding(code, category, category, Severity.WARNING, path, line, col, line, end_col, message, None, snippet)


def _run_with_common_word_secret() -> RunResult:
    secret_line = 'PASSWORD = "first"'
    start = secret_line.index('"') + 1
    run = RunResult()
    run.findings = [
        _finding("BL302", "hardcoded-secret", "tests/settings.py", 1, "Hardcoded secret in `PASSWORD` (`fir…`)",
                 snippet=secret_line, col=start, end_col=start + len('"first"')),
        _finding("BL201", "n-plus-one", "app/first/views.py", 7,
                 "`Order.objects.filter(...).first()` runs once per iteration; deployed first"),
        _finding("BL401", "missing-timeout", "app/first/client.py", 3, "`requests.get` first call without a timeout"),
    ]
    run.files_checked = 3
    return run


def test_sarif_and_github_keep_other_messages_intact() -> None:
    run = _run_with_common_word_secret()
    buffer = io.StringIO()
    sarif.render(run, buffer, rules=[], root=".")
    results = json.loads(buffer.getvalue())["runs"][0]["results"]
    by_line = {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r for r in results}
    for f in run.findings[1:]:
        got = by_line[f.start_line]
        assert got["message"]["text"] == f.message
        assert got["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == f.path
    gh = io.StringIO()
    github.render(run, gh)
    out = gh.getvalue()
    assert "deployed first" in out and ".first()" in out and "app/first/views.py" in out
    assert "fir…()" not in out and "fir…" not in buffer.getvalue().replace("(`fir…`)", "")


def test_every_message_of_a_real_run_is_identical_across_formats(tmp_path, monkeypatch) -> None:
    """End to end on a small project with secrets: SARIF/GitHub messages equal the JSON ones."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "settings.py").write_text(
        'SECRET_KEY = "session-9f2c7d1e4b5a8c3f"\nSTRIPE_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"\n')
    (tmp_path / "app" / "client.py").write_text(
        "import requests\n\ndef session():\n    return requests.get('https://session.example.org/session')\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    as_json = json.loads(runner.invoke(main, ["check", "--isolated", "--no-cache", "--format", "json", "."]).output)
    as_sarif = json.loads(runner.invoke(main, ["check", "--isolated", "--no-cache", "--format", "sarif", "."]).output)
    gh = runner.invoke(main, ["check", "--isolated", "--no-cache", "--format", "github", "."]).output
    secrets = [f for f in as_json["findings"] if f["category"] == "hardcoded-secret"]
    others = [f for f in as_json["findings"] if f["category"] != "hardcoded-secret"]
    assert secrets and others, as_json["findings"]
    sarif_messages = sorted(r["message"]["text"] for r in as_sarif["runs"][0]["results"])
    assert sorted(f["message"] for f in as_json["findings"]) == sarif_messages
    for f in others:
        assert f["message"].replace("\n", "%0A") in gh
    assert "sk_live_4eC39HqLyjWDarjtT1zdp7dc" not in gh + json.dumps(as_sarif)
